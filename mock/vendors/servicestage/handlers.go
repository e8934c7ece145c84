package servicestage

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// Handlers returns the fake's handlers by operationId.
func (f *Fake) Handlers() map[string]pipeline.Handler {
	return map[string]pipeline.Handler{
		OpCreateFile:  f.createFile,
		OpShowContent: f.showContent,
		OpUpdateFile:  f.updateFile,
		OpDeleteFile:  f.deleteFile,
		OpListTrees:   f.listTrees,
	}
}

// Wire types, as the SDK's model package names them.
type (
	fileCreate struct {
		Message string `json:"message"`
		Content string `json:"content"`
	}
	fileUpdate struct {
		Message string `json:"message"`
		Content string `json:"content"`
		Sha     string `json:"sha"`
	}
	showContentResponse struct {
		Path     string `json:"path"`
		Sha      string `json:"sha"`
		Encoding string `json:"encoding"`
		Content  string `json:"content"`
	}
	listTreesResponse struct {
		Paths []string `json:"paths"`
	}
)

// createFile is CreateFile. The spec refuses an empty message or ref (minLength 1).
// Assumption: an empty commit message is refused (0400): the SDK sends "" for an unset one, and git needs a message.
func (f *Fake) createFile(c echo.Context, in pipeline.Request) (int, any, error) {
	loc, path, err := fileTarget(c, in)
	if err != nil {
		return 0, nil, err
	}
	body := fileCreate{Message: str(in.Body, "message"), Content: str(in.Body, "content")}
	if strings.ContainsRune(body.Message, 0) {
		return 0, nil, paramInvalid("message: must not contain NUL")
	}
	data, err := decodeContent(body.Content)
	if err != nil {
		return 0, nil, err
	}
	if err := f.writeStore(in.Session).create(loc, path, data); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, pathResponse(path), nil
}

func (f *Fake) showContent(c echo.Context, in pipeline.Request) (int, any, error) {
	loc, path, err := fileTarget(c, in)
	if err != nil {
		return 0, nil, err
	}
	file, err := f.readStore(in.Session).get(loc, path)
	if err != nil {
		return 0, nil, err
	}
	// Assumption: sha is the SHA-256 of the content (what UpdateFile and DeleteFile take), not a commit SHA as the SDK comment says.
	// Assumption: content is always base64, whatever the bytes; the vendor also names text/plain.
	return http.StatusOK, showContentResponse{
		Path:     path,
		Sha:      file.sha,
		Encoding: "base64",
		Content:  base64.StdEncoding.EncodeToString(file.data),
	}, nil
}

func (f *Fake) updateFile(c echo.Context, in pipeline.Request) (int, any, error) {
	loc, path, err := fileTarget(c, in)
	if err != nil {
		return 0, nil, err
	}
	body := fileUpdate{Message: str(in.Body, "message"), Content: str(in.Body, "content"), Sha: str(in.Body, "sha")}
	data, err := decodeContent(body.Content)
	if err != nil {
		return 0, nil, err
	}
	if err := f.writeStore(in.Session).update(loc, path, body.Sha, data); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, pathResponse(path), nil
}

func (f *Fake) deleteFile(c echo.Context, in pipeline.Request) (int, any, error) {
	loc, path, err := fileTarget(c, in)
	if err != nil {
		return 0, nil, err
	}
	if err := f.writeStore(in.Session).delete(loc, path, c.QueryParam("sha")); err != nil {
		return 0, nil, err
	}
	// The vendor documents 204 with no body.
	return http.StatusNoContent, nil, nil
}

// Assumption: GET …/{project}/trees is always ListTrees (echo prefers the static segment), so a
// root file named "trees" can be created, updated, deleted and listed, but not read.
func (f *Fake) listTrees(c echo.Context, in pipeline.Request) (int, any, error) {
	loc, err := refTarget(c, in)
	if err != nil {
		return 0, nil, err
	}
	paths, err := f.readStore(in.Session).list(loc)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listTreesResponse{Paths: paths}, nil
}

// pathResponse is the SDK's answer naming a file, {"path": …}, as a JSON
// value: the answer of the hot path is not written and read back from a
// struct.
func pathResponse(path string) map[string]any { return map[string]any{"path": path} }

// refTarget reads the repository and the ref a request names.
func refTarget(c echo.Context, in pipeline.Request) (location, *Error) {
	project, err := slashPath("project", in.Params["project"])
	if err != nil {
		return location{}, err
	}
	ref := c.QueryParam("ref")
	if !utf8.ValidString(ref) || strings.ContainsRune(ref, 0) {
		return location{}, paramInvalid("ref: must be valid UTF-8 without NUL")
	}
	return location{
		repoKey: repoKey{projectID: in.Params["project_id"], namespace: in.Params["namespace"], project: project},
		ref:     ref,
	}, nil
}

// fileTarget reads the ref and the file path a request names.
func fileTarget(c echo.Context, in pipeline.Request) (location, string, *Error) {
	loc, err := refTarget(c, in)
	if err != nil {
		return loc, "", err
	}
	path, err := slashPath("path", in.Params["path"])
	return loc, path, err
}

// slashPath turns the vendor's colon form of a path ("app:project.rb")
// into the slash form ("app/project.rb") and checks it has no empty
// segment.
//
// Assumption: "." and ".." are plain names in the fake repository, never resolved: the fake has no file system to escape.
// Assumption: a percent-encoded slash (%2F) separates segments exactly as a colon does.
func slashPath(field, raw string) (string, *Error) {
	p := strings.ReplaceAll(raw, ":", "/")
	if !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
		return "", paramInvalid("%s: must be valid UTF-8 without NUL", field)
	}
	if p == "" {
		return "", paramInvalid("%s: must not be empty", field)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			return "", paramInvalid("%s: %q has an empty segment (a leading, trailing or doubled ':')", field, clip(raw))
		}
	}
	return p, nil
}

// str is the string field key of a body the Validator checked against
// the schema.
func str(body any, key string) string {
	m, _ := body.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// decodeContent decodes a file's base64 content.
//
// Assumption: content is RFC 4648 standard base64 with padding, non-zero trailing bits refused;
// CR and LF are skipped (as MIME encoders insert them); any other character, the URL-safe alphabet included, is refused.
func decodeContent(s string) ([]byte, *Error) {
	data, err := base64.StdEncoding.Strict().DecodeString(s)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		return nil, paramInvalid("content: is not valid base64 (standard alphabet, padded): bad input at offset %d", int64(corrupt))
	}
	if err != nil {
		return nil, paramInvalid("content: is not valid base64")
	}
	return data, nil
}
