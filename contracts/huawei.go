package contracts

import (
	"fmt"
	"strings"
)

// Huawei operationIds, as the official SDK names them.
const (
	codeartsCreate   = "CreateRepository"
	codeartsShow     = "ShowRepositoryByUuid"
	codeartsShowV1   = "GetRepositoryByProjectId"
	codeartsStatus   = "ListRepositoryStatus"
	codeartsList     = "GetAllRepositoryByProjectId"
	codeartsNameFree = "ShowRepositoryNameExist"
	codeartsDelete   = "DeleteRepository"
	stageCreate      = "CreateFile"
	stageShow        = "ShowContent"
	stageUpdate      = "UpdateFile"
	stageDelete      = "DeleteFile"
	stageTrees       = "ListTrees"
)

// gatewayEnvelope checks an answer of the API gateway itself (a 401, or
// the 400 for a path that names no project): an APIGW code and a message.
func gatewayEnvelope(b map[string]any) error {
	if !strings.HasPrefix(str(b, "error_code"), "APIGW.") {
		return fmt.Errorf(`want the gateway's {"error_code":"APIGW.…","error_msg":…}, got %v`, b)
	}
	return stringField(b, "error_msg")
}

// huaweiCode reads a Huawei error code: CodeArts' error.code, or the
// error_code of ServiceStage and of the gateway.
func huaweiCode(b map[string]any) string {
	if c := str(b, "error", "code"); c != "" {
		return c
	}
	return str(b, "error_code")
}
