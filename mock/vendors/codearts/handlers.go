package codearts

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// timeLayout is how the vendor writes times ("2020-07-22 10:45:56" in its
// API examples). Assumption: the mock writes them in UTC.
const timeLayout = "2006-01-02 15:04:05"

// Paging of GetAllRepositoryByProjectId (API page: page_index from 1,
// default 1; page_size 1–100, default 20).
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// Handlers returns the fake's handlers by operationId.
func (f *Fake) Handlers() map[string]pipeline.Handler {
	return map[string]pipeline.Handler{
		OpCreate:     f.create,
		OpShow:       f.show,
		OpShowV1:     f.showV1,
		OpList:       f.list,
		OpNameExists: f.nameExists,
		OpDelete:     f.delete,
		OpStatus:     f.status,
	}
}

// create is CreateRepository.
func (f *Fake) create(c echo.Context, in pipeline.Request) (int, any, error) {
	body, err := createBodyOf(in.Body)
	if err != nil {
		return 0, nil, err
	}
	repo, err := f.createIn(f.writeStore(in.Session), body, f.newID)
	if err != nil {
		return 0, nil, err
	}
	// CreateRepositoryResponse, whose result is the SDK's Repository model,
	// as a JSON value: the answer of the hot path is not written and read
	// back from a struct.
	return http.StatusOK, map[string]any{
		"result": map[string]any{"repository_uuid": repo.UUID},
		"status": statusSuccess,
	}, nil
}

// createIn checks b and stores it in s; fixtures take the same path.
// Assumption: template_id, import_url, gitignore_id, license_id,
// enable_readme, import_members, caller and group_id are checked and
// then ignored: the fake models no repository content, members or groups
// (import_url is decoded and checked, never fetched).
func (f *Fake) createIn(s *Store, b *createBody, newID func() string) (Repository, *Error) {
	if err := checkCreate(b); err != nil {
		return Repository{}, err
	}
	now := f.now()
	r := Repository{
		Name:        b.Name,
		ProjectUUID: b.ProjectUUID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if b.VisibilityLevel != nil {
		r.VisibilityLevel = *b.VisibilityLevel
	}
	if b.Description != nil {
		r.Description = *b.Description
	}
	return s.create(r, newID)
}

// show is ShowRepositoryByUuid.
func (f *Fake) show(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := repositoryUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	r, ok := f.readStore(in.Session).Get(id)
	if !ok {
		return 0, nil, errNoRepository(id)
	}
	return http.StatusOK, showResponse{Result: infoV2(r), Status: statusSuccess}, nil
}

// showV1 is GetRepositoryByProjectId, GET /v1/repositories/{repository_uuid}:
// the SDKs' deprecated read ("不建议再使用,建议使用/{repository_uuid}/status",
// use the status instead), which the vendor still serves (vendors.md §7).
// Its result is RepoInfo, the shape of a list's items.
func (f *Fake) showV1(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := repositoryUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	r, ok := f.readStore(in.Session).Get(id)
	if !ok {
		return 0, nil, errNoRepository(id)
	}
	return http.StatusOK, infoResponse{Result: info(r), Status: statusSuccess}, nil
}

// status is ListRepositoryStatus, which the SDK describes as "see the
// repository's creation status" and recommends over the deprecated
// GET /v1/repositories/{repository_uuid}.
// Assumption: the SDK documents no values for its int32 result; it is read
// as the creation status in RepoInfoV2.status's codes (0 created, 1 being
// created, 2 creation failed, 3 frozen, 4 closed), so a repository the
// fake holds answers 0.
func (f *Fake) status(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := repositoryUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	if _, ok := f.readStore(in.Session).Get(id); !ok {
		return 0, nil, errNoRepository(id)
	}
	return http.StatusOK, statusResponse{Result: creationCreated, Status: statusSuccess}, nil
}

// delete is DeleteRepository.
func (f *Fake) delete(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := repositoryUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	if !f.writeStore(in.Session).delete(id) {
		return 0, nil, errNoRepository(id)
	}
	return http.StatusOK, boolResponse{Result: true, Status: statusSuccess}, nil
}

// list is GetAllRepositoryByProjectId. Assumption: projects are not
// modelled, so any well-formed project_uuid exists and one without
// repositories lists none.
func (f *Fake) list(c echo.Context, in pipeline.Request) (int, any, error) {
	project, err := projectUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	index, err := intParam(c, "page_index", 1, 1, 0)
	if err != nil {
		return 0, nil, err
	}
	size, err := intParam(c, "page_size", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return 0, nil, err
	}
	// Assumption: the vendor's "fuzzy search by repository name" is a
	// case-insensitive substring match.
	search := strings.ToLower(c.QueryParam("search"))
	var matched []Repository
	for _, r := range f.readStore(in.Session).List(project) {
		if strings.Contains(strings.ToLower(r.Name), search) {
			matched = append(matched, r)
		}
	}
	page := []repoInfo{} // an empty page is [], never null
	// Assumption: a page past the end is empty, with total still counting every match.
	if start := (index - 1) * size; start < len(matched) && start >= 0 {
		for _, r := range matched[start:min(start+size, len(matched))] {
			page = append(page, info(r))
		}
	}
	return http.StatusOK, listResponse{Result: repoListInfo{Repositorys: page, Total: len(matched)}, Status: statusSuccess}, nil
}

// nameExists is ShowRepositoryNameExist. The SDK documents the sense:
// result is false when the repository exists and true when it does not.
// Assumption: a name that breaks the create rules is refused with 400
// CH.010001 rather than answered.
func (f *Fake) nameExists(c echo.Context, in pipeline.Request) (int, any, error) {
	project, err := projectUUIDOf(in)
	if err != nil {
		return 0, nil, err
	}
	name := in.Params["repository_name"]
	if msg := checkName(name); msg != "" {
		return 0, nil, paramInvalid("repository_name: %s", msg)
	}
	free := !f.readStore(in.Session).nameTaken(project, name)
	return http.StatusOK, boolResponse{Result: free, Status: statusSuccess}, nil
}

func errNoRepository(id string) *Error {
	return notFound("repository %s does not exist", id)
}

// repositoryUUIDOf returns the repository_uuid path parameter.
// Assumption: one that is not 32 characters long (the documented length)
// is a bad parameter, 400 CH.010001; a well-formed one that names no
// repository is 404 CH.000404.
func repositoryUUIDOf(in pipeline.Request) (string, *Error) {
	id := in.Params["repository_uuid"]
	if !isRepositoryUUID(id) {
		return "", paramInvalid("repository_uuid: must be 32 characters")
	}
	return id, nil
}

func projectUUIDOf(in pipeline.Request) (string, *Error) {
	id := in.Params["project_uuid"]
	if msg := checkProjectUUID(id); msg != "" {
		return "", paramInvalid("project_uuid: %s", msg)
	}
	return id, nil
}

// intParam reads an integer query parameter within lo..hi (hi 0: no upper bound).
func intParam(c echo.Context, name string, def, lo, hi int) (int, *Error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || (hi > 0 && n > hi) {
		if hi > 0 {
			return 0, paramInvalid("%s: must be an integer from %d to %d", name, lo, hi)
		}
		return 0, paramInvalid("%s: must be an integer of %d or more", name, lo)
	}
	return n, nil
}

// What RepoInfoV2 says of the user reading a repository, and of what the
// fake does not model. Assumption: IAM is not faked, so every repository
// is created and read by one user, the tenant's own account (whose user
// name is the tenant's, as RepoInfoV2.creator_name says of a tenant): it
// owns each repository (is_owner 1, userRole 40 administrator) and has
// starred none. Projects are never deleted ("false", as the vendor writes
// the string), and repositories hold no content, so both sizes are 0 MB.
const (
	tenantName     = "repomock"
	tenantUserUUID = "7265706f6d6f636b7573657230303031" // 32 hex digits, as IAM's user ids
	isOwner        = 1
	roleAdmin      = 40 // "20：只读成员 30：普通成员 40：管理员"
	projectDeleted = "false"
	emptySize      = "0.00M" // "单位为M，大于 1024M 则单位为 G"
)

func infoV2(r Repository) repoInfoV2 {
	return repoInfoV2{
		RepositoryUUID:   r.UUID,
		RepositoryID:     r.ID,
		RepositoryName:   r.Name,
		ProjectUUID:      r.ProjectUUID,
		ProjectIsDeleted: projectDeleted,
		GroupName:        r.GroupName(),
		VisibilityLevel:  r.VisibilityLevel,
		HTTPSURL:         r.HTTPSURL(),
		SSHURL:           r.SSHURL(),
		WebURL:           r.WebURL(),
		Status:           creationCreated, // the fake creates at once
		CreatedAt:        r.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt:        r.UpdatedAt.UTC().Format(timeLayout),
		CreatorName:      tenantName,
		DomainName:       tenantName,
		IAMUserUUID:      tenantUserUUID,
		IsOwner:          isOwner,
		UserRole:         roleAdmin,
		LFSSize:          emptySize,
		RepositorySize:   emptySize,
	}
}

func info(r Repository) repoInfo {
	return repoInfo{
		ID:              r.UUID,
		RepoID:          fmt.Sprint(r.ID),
		Name:            r.Name,
		ProjectID:       r.ProjectUUID,
		ProjectIsDelete: projectDeleted,
		GroupName:       r.GroupName(),
		VisibilityLevel: r.VisibilityLevel,
		HTTPURL:         r.HTTPSURL(),
		SSHURL:          r.SSHURL(),
		WebURL:          r.WebURL(),
		CreateAt:        r.CreatedAt.UTC().Format(timeLayout),
	}
}
