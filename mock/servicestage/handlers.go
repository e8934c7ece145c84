package servicestage

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/repomock/repomock/mock/openapi"
)

// Handlers returns the fake's handlers by operationId.
func (f *Fake) Handlers() map[string]echo.HandlerFunc {
	return map[string]echo.HandlerFunc{
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
	pathResponse struct {
		Path string `json:"path"`
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
func (f *Fake) createFile(c echo.Context) error {
	loc, path, err := fileTarget(c)
	if err != nil {
		return err
	}
	var body fileCreate
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if strings.ContainsRune(body.Message, 0) {
		return paramInvalid("message: must not contain NUL")
	}
	data, err := decodeContent(body.Content)
	if err != nil {
		return err
	}
	if err := f.storeFor(c).create(loc, path, data); err != nil {
		return err
	}
	return openapi.WriteJSON(c, http.StatusOK, pathResponse{Path: path})
}

func (f *Fake) showContent(c echo.Context) error {
	loc, path, err := fileTarget(c)
	if err != nil {
		return err
	}
	file, err := f.storeFor(c).get(loc, path)
	if err != nil {
		return err
	}
	// Assumption: sha is the SHA-256 of the content (what UpdateFile and DeleteFile take), not a commit SHA as the SDK comment says.
	// Assumption: content is always base64, whatever the bytes; the vendor also names text/plain.
	return openapi.WriteJSON(c, http.StatusOK, showContentResponse{
		Path:     path,
		Sha:      file.sha,
		Encoding: "base64",
		Content:  base64.StdEncoding.EncodeToString(file.data),
	})
}

func (f *Fake) updateFile(c echo.Context) error {
	loc, path, err := fileTarget(c)
	if err != nil {
		return err
	}
	var body fileUpdate
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	data, err := decodeContent(body.Content)
	if err != nil {
		return err
	}
	if err := f.storeFor(c).update(loc, path, body.Sha, data); err != nil {
		return err
	}
	return openapi.WriteJSON(c, http.StatusOK, pathResponse{Path: path})
}

func (f *Fake) deleteFile(c echo.Context) error {
	loc, path, err := fileTarget(c)
	if err != nil {
		return err
	}
	if err := f.storeFor(c).delete(loc, path, c.QueryParam("sha")); err != nil {
		return err
	}
	// The vendor documents 204 with no body.
	return c.NoContent(http.StatusNoContent)
}

// Assumption: GET …/{project}/trees is always ListTrees (echo prefers the static segment), so a
// root file named "trees" can be created, updated, deleted and listed, but not read.
func (f *Fake) listTrees(c echo.Context) error {
	loc, err := refTarget(c)
	if err != nil {
		return err
	}
	paths, err := f.storeFor(c).list(loc)
	if err != nil {
		return err
	}
	return openapi.WriteJSON(c, http.StatusOK, listTreesResponse{Paths: paths})
}

// refTarget reads the repository and the ref a request names.
func refTarget(c echo.Context) (location, *Error) {
	project, err := slashPath("project", param(c, "project"))
	if err != nil {
		return location{}, err
	}
	ref := c.QueryParam("ref")
	if !utf8.ValidString(ref) || strings.ContainsRune(ref, 0) {
		return location{}, paramInvalid("ref: must be valid UTF-8 without NUL")
	}
	return location{
		repoKey: repoKey{projectID: param(c, "project_id"), namespace: param(c, "namespace"), project: project},
		ref:     ref,
	}, nil
}

// fileTarget reads the ref and the file path a request names.
func fileTarget(c echo.Context) (location, string, *Error) {
	loc, err := refTarget(c)
	if err != nil {
		return loc, "", err
	}
	path, err := slashPath("path", param(c, "path"))
	return loc, path, err
}

// param is a path parameter, percent-decoded: echo leaves escapes in
// place when the request path has them.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
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

func decodeBody(c echo.Context, v any) *Error {
	if err := json.NewDecoder(c.Request().Body).Decode(v); err != nil {
		return paramInvalid("body: %s", clip(err.Error()))
	}
	return nil
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
