package codearts

// The wire types, with the JSON names of the official Go SDK's models
// (services/codeartsrepo/v3/model).

// statusSuccess is the envelope's status on every success.
const statusSuccess = "success"

// createBody is CreateRepoRequest. Optional fields are pointers so that a
// field the client left out is told apart from a zero.
type createBody struct {
	Name            string  `json:"name"`
	ProjectUUID     string  `json:"project_uuid"`
	ImportMembers   *int32  `json:"import_members,omitempty"`
	VisibilityLevel *int32  `json:"visibility_level,omitempty"`
	TemplateID      *string `json:"template_id,omitempty"`
	ImportURL       *string `json:"import_url,omitempty"`
	Description     *string `json:"description,omitempty"`
	GitignoreID     *string `json:"gitignore_id,omitempty"`
	LicenseID       *int32  `json:"license_id,omitempty"`
	EnableReadme    *int32  `json:"enable_readme,omitempty"`
	Caller          *string `json:"caller,omitempty"`
	GroupID         *int32  `json:"group_id,omitempty"`
}

// showResponse is ShowRepositoryByUuidResponse.
type showResponse struct {
	Result repoInfoV2 `json:"result"`
	Status string     `json:"status"`
}

// repoInfoV2 is the SDK's RepoInfoV2, every field (vendors.md §7).
type repoInfoV2 struct {
	RepositoryUUID   string `json:"repository_uuid"`
	RepositoryID     int32  `json:"repository_id"`
	RepositoryName   string `json:"repository_name"`
	ProjectUUID      string `json:"project_uuid"`
	ProjectIsDeleted string `json:"project_is_deleted"`
	GroupName        string `json:"group_name"`
	VisibilityLevel  int32  `json:"visibility_level"`
	HTTPSURL         string `json:"https_url"`
	SSHURL           string `json:"ssh_url"`
	WebURL           string `json:"web_url"`
	Status           int32  `json:"status"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	CreatorName      string `json:"creator_name"`
	DomainName       string `json:"domain_name"`
	IAMUserUUID      string `json:"iam_user_uuid"`
	IsOwner          int32  `json:"is_owner"`
	UserRole         int32  `json:"userRole"` // camelCase, as the SDK's model has it
	Star             bool   `json:"star"`
	LFSSize          string `json:"lfs_size"`
	RepositorySize   string `json:"repository_size"`
}

// listResponse is GetAllRepositoryByProjectIdResponse.
type listResponse struct {
	Result repoListInfo `json:"result"`
	Status string       `json:"status"`
}

// repoListInfo is RepoListInfo; "repositorys" is the vendor's spelling.
type repoListInfo struct {
	Repositorys []repoInfo `json:"repositorys"`
	Total       int        `json:"total"`
}

// repoInfo is the SDK's RepoInfo (camelCase, as the vendor has it), every
// field: an item of a list, and the result of the deprecated
// GetRepositoryByProjectId.
type repoInfo struct {
	ID              string `json:"id"`
	RepoID          string `json:"repoId"`
	Name            string `json:"name"`
	ProjectID       string `json:"projectId"`
	ProjectIsDelete string `json:"projectIsDelete"`
	GroupName       string `json:"groupName"`
	VisibilityLevel int32  `json:"visibilityLevel"`
	HTTPURL         string `json:"httpUrl"`
	SSHURL          string `json:"sshUrl"`
	WebURL          string `json:"webUrl"`
	CreateAt        string `json:"createAt"`
}

// infoResponse is GetRepositoryByProjectIdResponse.
type infoResponse struct {
	Result repoInfo `json:"result"`
	Status string   `json:"status"`
}

// statusResponse is ListRepositoryStatusResponse.
type statusResponse struct {
	Result int32  `json:"result"`
	Status string `json:"status"`
}

// creationCreated is the creation status of a repository that was created:
// 0 in RepoInfoV2.status's codes ("0：仓库正常创建成功 1：仓库创建中 2：创建失败
// 3：仓库冻结 4：仓库已经关闭"). The fake creates at once, so every repository
// it holds has it.
const creationCreated int32 = 0

// boolResponse is ShowRepositoryNameExistResponse and DeleteRepositoryResponse.
type boolResponse struct {
	Result bool   `json:"result"`
	Status string `json:"status"`
}
