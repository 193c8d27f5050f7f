// Package fleet is the pure Workload logic of the peer: assignments, tag
// resolution, workshop rendering and the desired child objects. Same rules as
// Labfleet (SPEC.md), so both operators produce the same objects.
package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	metaac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/yaml"

	"labfleet.dev/bench/peer-go/api"
)

const (
	ManagedByLabel    = "app.kubernetes.io/managed-by"
	ManagedByValue    = "labfleet"
	NameLabel         = "app.kubernetes.io/name"
	WorkloadLabel     = "labfleet.dev/workload"
	TargetLabel       = "labfleet.dev/target"
	ConfigHashAnnot   = "labfleet.dev/config-hash"
	DefaultChannel    = "prod"
	DefaultFilesPort  = 8080
	DefaultReplicas   = 1
	sourceChannel     = "channel"
	sourcePinned      = "pinned"
	sourceEnvironment = "environment"
	sourceTarget      = "target"
)

func selectorMatches(sel *metav1.LabelSelector, set map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(set))
}

// AssignedTargets returns, sorted by name, the targets every policy pairs with the workload (a union).
func AssignedTargets(w *api.Workload, policies []api.SchedulingPolicy, targets []api.DeploymentTarget) []*api.DeploymentTarget {
	chosen := map[string]*api.DeploymentTarget{}
	for i := range policies {
		p := &policies[i]
		if !selectorMatches(p.Spec.WorkloadSelector, w.Labels) {
			continue
		}
		tsel, err := metav1.LabelSelectorAsSelector(p.Spec.TargetSelector)
		if err != nil || p.Spec.TargetSelector == nil {
			continue
		}
		for j := range targets {
			t := &targets[j]
			if !tsel.Matches(labels.Set(t.Labels)) {
				continue
			}
			if len(p.Spec.Environments) > 0 && !contains(p.Spec.Environments, t.Spec.Environment) {
				continue
			}
			chosen[t.Name] = t
		}
	}
	out := make([]*api.DeploymentTarget, 0, len(chosen))
	for _, t := range chosen {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Resolved is the outcome of tag resolution for one (workload, target).
type Resolved struct {
	WorkshopTag, FilesTag     string
	WorkshopImage, FilesImage string
	Source                    string // the higher-ranked of the two sources
}

func pick(t *api.TagOverride) string {
	if t == nil {
		return ""
	}
	return t.Tag
}

func resolveOne(w *api.Workload, t *api.DeploymentTarget, lease *api.EnvironmentLease, files bool) (string, string) {
	get := func(workshop, filesTag *api.TagOverride) string {
		if files {
			return pick(filesTag)
		}
		return pick(workshop)
	}
	if lease != nil && lease.Spec.Target == t.Name {
		for _, o := range lease.Spec.Overrides {
			if o.Workload == w.Name {
				if tag := get(o.Workshop, o.Files); tag != "" {
					return tag, "lease/" + lease.Name
				}
				break
			}
		}
	}
	for _, o := range w.Spec.Overrides {
		if o.Target == t.Name {
			if tag := get(o.Workshop, o.Files); tag != "" {
				return tag, sourceTarget
			}
		}
	}
	for _, o := range w.Spec.Overrides {
		if o.Target == "" && o.Environment == t.Spec.Environment {
			if tag := get(o.Workshop, o.Files); tag != "" {
				return tag, sourceEnvironment
			}
		}
	}
	pinned := w.Spec.Images.Workshop.Tag
	if files {
		pinned = w.Spec.Images.Files.Tag
	}
	if pinned != "" {
		return pinned, sourcePinned
	}
	if t.Spec.Channel != "" {
		return t.Spec.Channel, sourceChannel
	}
	return DefaultChannel, sourceChannel
}

func rank(source string) int {
	switch {
	case strings.HasPrefix(source, "lease/"):
		return 0
	case source == sourceTarget:
		return 1
	case source == sourceEnvironment:
		return 2
	case source == sourcePinned:
		return 3
	}
	return 4
}

// ImageRef is registry/repository:tag (or @sha256:... for a digest).
func ImageRef(registry, repository, tag string) string {
	ref := repository
	if registry != "" {
		ref = strings.TrimSuffix(registry, "/") + "/" + repository
	}
	if strings.HasPrefix(tag, "sha256:") {
		return ref + "@" + tag
	}
	return ref + ":" + tag
}

// Resolve applies the five tag rules to both images.
func Resolve(w *api.Workload, t *api.DeploymentTarget, activeLease *api.EnvironmentLease) Resolved {
	wt, ws := resolveOne(w, t, activeLease, false)
	ft, fs := resolveOne(w, t, activeLease, true)
	src := ws
	if rank(fs) < rank(ws) {
		src = fs
	}
	return Resolved{WorkshopTag: wt, FilesTag: ft, Source: src,
		WorkshopImage: ImageRef(t.Spec.Registry, w.Spec.Images.Workshop.Repository, wt),
		FilesImage:    ImageRef(t.Spec.Registry, w.Spec.Images.Files.Repository, ft)}
}

// Render fills the five placeholders in every string value and returns sorted-key YAML.
func Render(w *api.Workload, t *api.DeploymentTarget, r Resolved) (string, error) {
	var v interface{}
	if len(w.Spec.Workshop.Raw) > 0 {
		if err := json.Unmarshal(w.Spec.Workshop.Raw, &v); err != nil {
			return "", err
		}
	}
	repl := strings.NewReplacer("${REGISTRY_HOST}", t.Spec.Registry, "${IMAGE_TAG}", r.FilesTag,
		"${WORKSHOP_IMAGE}", r.WorkshopImage, "${FILES_IMAGE}", r.FilesImage, "${ENVIRONMENT}", t.Spec.Environment)
	v = substitute(v, repl)
	out, err := yaml.Marshal(v)
	return string(out), err
}

func substitute(v interface{}, repl *strings.Replacer) interface{} {
	switch x := v.(type) {
	case string:
		return repl.Replace(x)
	case map[string]interface{}:
		for k, e := range x {
			x[k] = substitute(e, repl)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = substitute(e, repl)
		}
	}
	return v
}

// Desired are the three apply configurations for one (workload, target).
type Desired struct {
	ConfigMap  *coreac.ConfigMapApplyConfiguration
	Deployment *appsac.DeploymentApplyConfiguration
	Service    *coreac.ServiceApplyConfiguration
}

func selectorLabels(w *api.Workload, t *api.DeploymentTarget) map[string]string {
	return map[string]string{NameLabel: w.Name, WorkloadLabel: w.Name, TargetLabel: t.Name}
}

// ChildLabels are the labels on every produced object.
func ChildLabels(w *api.Workload, t *api.DeploymentTarget) map[string]string {
	l := selectorLabels(w, t)
	l[ManagedByLabel] = ManagedByValue
	return l
}

// Build renders the desired ConfigMap, Deployment and Service.
func Build(w *api.Workload, t *api.DeploymentTarget, r Resolved) (Desired, error) {
	rendered, err := Render(w, t, r)
	if err != nil {
		return Desired{}, err
	}
	sum := sha256.Sum256([]byte(rendered))
	hash := hex.EncodeToString(sum[:])
	port := w.Spec.Images.Files.Port
	if port == 0 {
		port = DefaultFilesPort
	}
	replicas := int32(DefaultReplicas)
	if w.Spec.Replicas != nil {
		replicas = *w.Spec.Replicas
	}
	if w.Spec.Suspend {
		replicas = 0
	}
	owner := metaac.OwnerReference().WithAPIVersion(api.GroupVersion.String()).WithKind("Workload").
		WithName(w.Name).WithUID(w.UID).WithController(true).WithBlockOwnerDeletion(true)
	ns, filesName := t.Spec.Namespace, w.Name+"-files"

	cm := coreac.ConfigMap(w.Name+"-workshop", ns).WithLabels(ChildLabels(w, t)).WithOwnerReferences(owner).
		WithData(map[string]string{"workshop.yaml": rendered})

	container := coreac.Container().WithName("files").WithImage(r.FilesImage).
		WithPorts(coreac.ContainerPort().WithName("http").WithContainerPort(port).WithProtocol(corev1.ProtocolTCP)).
		WithReadinessProbe(coreac.Probe().WithHTTPGet(coreac.HTTPGetAction().WithPath("/").WithPort(intstr.FromInt32(port)))).
		WithSecurityContext(coreac.SecurityContext().WithAllowPrivilegeEscalation(false).
			WithCapabilities(coreac.Capabilities().WithDrop("ALL")).WithReadOnlyRootFilesystem(true).
			WithRunAsNonRoot(true).WithSeccompProfile(coreac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault)))
	dep := appsac.Deployment(filesName, ns).WithLabels(ChildLabels(w, t)).WithOwnerReferences(owner).
		WithSpec(appsac.DeploymentSpec().WithReplicas(replicas).
			WithSelector(metaac.LabelSelector().WithMatchLabels(selectorLabels(w, t))).
			WithTemplate(coreac.PodTemplateSpec().
				WithLabels(ChildLabels(w, t)).WithAnnotations(map[string]string{ConfigHashAnnot: hash}).
				WithSpec(coreac.PodSpec().WithAutomountServiceAccountToken(false).
					WithSecurityContext(coreac.PodSecurityContext().WithRunAsNonRoot(true).
						WithSeccompProfile(coreac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))).
					WithContainers(container))))

	svc := coreac.Service(filesName, ns).WithLabels(ChildLabels(w, t)).WithOwnerReferences(owner).
		WithSpec(coreac.ServiceSpec().WithSelector(selectorLabels(w, t)).
			WithPorts(coreac.ServicePort().WithName("http").WithPort(port).WithTargetPort(intstr.FromInt32(port)).
				WithProtocol(corev1.ProtocolTCP)))
	return Desired{ConfigMap: cm, Deployment: dep, Service: svc}, nil
}

// DeploymentImage is the files container's image of a live Deployment ("" if none).
func DeploymentImage(d *appsv1.Deployment) string {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "files" {
			return c.Image
		}
	}
	return ""
}
