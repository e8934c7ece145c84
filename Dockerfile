# repomock: the static binary in an empty image (FROM scratch).
#
# Nothing is pulled: build the binary first, then the image.
#   CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o build/repomock ./cmd/repomock
#   docker build -t repomock .
# With access to a registry, Dockerfile.source builds the binary inside Docker:
#   docker build -f Dockerfile.source -t repomock .
# The release (go run ./cmd/release) builds the published image from this
# file's instructions, without Docker: it reads FROM scratch, COPY, ENV,
# USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD, and refuses any other.
FROM scratch
COPY build/repomock /repomock
COPY fixtures /fixtures
# Inside the container the server listens on every interface, so that a
# published port reaches it; the host decides what to publish (compose
# publishes 127.0.0.1:8080 only).
ENV REPOMOCK_ADDR=0.0.0.0:8080
# /__admin (reset, the request journal) is served without a token: the
# container's network is private and the host publishes what it chooses
# (compose: 127.0.0.1 only). Set REPOMOCK_ADMIN_TOKEN to require a token on
# every /__admin route but health.
ENV REPOMOCK_ADMIN_OPEN=true
# /__admin and the console answer to localhost and IP addresses (the host's
# published port, a container's address), not to other names, so that a web
# page cannot reach them by DNS rebinding: REPOMOCK_ALLOWED_HOSTS adds the
# names they are reached by (a compose service name, a Docker host's name).
USER 65532:65532
EXPOSE 8080
# repomock health needs no token (health is open), and sends
# REPOMOCK_ADMIN_TOKEN when the container has one.
HEALTHCHECK --interval=1s --timeout=2s --start-period=1s --retries=30 CMD ["/repomock", "health"]
ENTRYPOINT ["/repomock"]
