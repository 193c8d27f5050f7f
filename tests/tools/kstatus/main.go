// kstatus-check prints what the kstatus library (sigs.k8s.io/cli-utils, the
// code behind Flux's health checks and `kubectl wait`-style tooling) computes
// for Kubernetes objects read as JSON on stdin: one object or a List.
//
//	kubectl get workloads -o json | kstatus-check
//	→ Workload/web	InProgress	Workload is reconciling: ...
//
// One line per object: kind/name, status, message, tab-separated; status is
// one of InProgress, Failed, Current, Terminating, NotFound, Unknown (Unknown
// with the error when the library cannot compute it). Exit 0; 2 when stdin
// is not a JSON object.
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin: %v", err)
	}
	var object map[string]interface{}
	// apimachinery's decoder keeps whole numbers int64, as unstructured expects.
	if err := json.Unmarshal(data, &object); err != nil {
		fail("stdin is not a JSON object: %v", err)
	}
	objects := []interface{}{object}
	if items, ok := object["items"].([]interface{}); ok {
		objects = items
	}
	for _, item := range objects {
		fields, ok := item.(map[string]interface{})
		if !ok {
			fail("an item is not a JSON object")
		}
		u := &unstructured.Unstructured{Object: fields}
		result, err := status.Compute(u)
		if err != nil {
			fmt.Printf("%s/%s\t%s\t%v\n", u.GetKind(), u.GetName(), status.UnknownStatus, err)
			continue
		}
		fmt.Printf("%s/%s\t%s\t%s\n", u.GetKind(), u.GetName(), result.Status, result.Message)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kstatus-check: "+format+"\n", args...)
	os.Exit(2)
}
