package repomock

// Version is the version of this module, and so of the image DefaultImage
// names: a module tagged testcontainers/vX.Y.Z starts the image published
// as vX.Y.Z. It is the version of the next release until that release is
// tagged. The release (go run ./cmd/release in the repository) refuses a
// tag vX.Y.Z that this constant does not name, so the two cannot disagree
// in a published module.
const Version = "v0.1.0"

// imageRepository is where the release workflow publishes the image. The
// release program reads it from this file, so that the image it builds is
// the one DefaultImage names.
const imageRepository = "ghcr.io/repomock/repomock"
