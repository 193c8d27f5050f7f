// Package api holds small hand-written Go types for the four labfleet.dev/v1alpha1
// kinds, with the DeepCopy methods controller-gen would have generated.
package api

import (
	"bytes"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// GroupVersion is labfleet.dev/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: "labfleet.dev", Version: "v1alpha1"}

var (
	schemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}
	// AddToScheme registers the four kinds.
	AddToScheme = schemeBuilder.AddToScheme
)

func init() {
	schemeBuilder.Register(&DeploymentTarget{}, &DeploymentTargetList{}, &Workload{}, &WorkloadList{},
		&SchedulingPolicy{}, &SchedulingPolicyList{}, &EnvironmentLease{}, &EnvironmentLeaseList{})
}

// RawJSON is a free-form JSON value kept as bytes (Workload.spec.workshop).
type RawJSON struct{ Raw []byte }

func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r.Raw) == 0 {
		return []byte("null"), nil
	}
	return r.Raw, nil
}

func (r *RawJSON) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		r.Raw = nil
		return nil
	}
	r.Raw = append(r.Raw[:0], b...)
	return nil
}

// ---------------------------------------------------------------- DeploymentTarget

type LeaseLimits struct {
	DefaultDuration string `json:"defaultDuration,omitempty"`
	MaxDuration     string `json:"maxDuration,omitempty"`
	NotifyBefore    string `json:"notifyBefore,omitempty"`
}

type DeploymentTargetSpec struct {
	Environment string      `json:"environment"`
	Namespace   string      `json:"namespace"`
	Registry    string      `json:"registry,omitempty"`
	Channel     string      `json:"channel,omitempty"`
	Leases      LeaseLimits `json:"leases,omitempty"`
	Paused      bool        `json:"paused,omitempty"`
}

type DeploymentTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              DeploymentTargetSpec `json:"spec"`
}

type DeploymentTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DeploymentTarget `json:"items"`
}

// ---------------------------------------------------------------- Workload

type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag,omitempty"`
	Port       int32  `json:"port,omitempty"`
}

type Images struct {
	Workshop Image `json:"workshop"`
	Files    Image `json:"files"`
}

type TagOverride struct {
	Tag string `json:"tag,omitempty"`
}

type WorkloadOverride struct {
	Environment string       `json:"environment,omitempty"`
	Target      string       `json:"target,omitempty"`
	Workshop    *TagOverride `json:"workshop,omitempty"`
	Files       *TagOverride `json:"files,omitempty"`
}

type WorkloadSpec struct {
	Images    Images             `json:"images"`
	Workshop  RawJSON            `json:"workshop,omitempty"`
	Overrides []WorkloadOverride `json:"overrides,omitempty"`
	Replicas  *int32             `json:"replicas,omitempty"`
	Suspend   bool               `json:"suspend,omitempty"`
}

type TargetStatus struct {
	Name          string `json:"name"`
	Environment   string `json:"environment,omitempty"`
	WorkshopImage string `json:"workshopImage,omitempty"`
	FilesImage    string `json:"filesImage,omitempty"`
	Source        string `json:"source,omitempty"`
	ReadyReplicas int32  `json:"readyReplicas"`
}

type WorkloadStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	Targets            []TargetStatus     `json:"targets,omitempty"`
}

type Workload struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WorkloadSpec   `json:"spec"`
	Status            WorkloadStatus `json:"status,omitempty"`
}

type WorkloadList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workload `json:"items"`
}

// ---------------------------------------------------------------- SchedulingPolicy

type SchedulingPolicySpec struct {
	WorkloadSelector *metav1.LabelSelector `json:"workloadSelector,omitempty"`
	TargetSelector   *metav1.LabelSelector `json:"targetSelector,omitempty"`
	Environments     []string              `json:"environments,omitempty"`
}

type SchedulingPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              SchedulingPolicySpec `json:"spec"`
}

type SchedulingPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SchedulingPolicy `json:"items"`
}

// ---------------------------------------------------------------- EnvironmentLease

type LeaseOverride struct {
	Workload string       `json:"workload"`
	Workshop *TagOverride `json:"workshop,omitempty"`
	Files    *TagOverride `json:"files,omitempty"`
}

type EnvironmentLeaseSpec struct {
	Target    string          `json:"target"`
	Holder    string          `json:"holder"`
	Duration  string          `json:"duration,omitempty"`
	Overrides []LeaseOverride `json:"overrides,omitempty"`
	Release   bool            `json:"release,omitempty"`
	Reason    string          `json:"reason,omitempty"`
}

const (
	PhasePending  = "Pending"
	PhaseActive   = "Active"
	PhaseExpired  = "Expired"
	PhaseReleased = "Released"
)

type EnvironmentLeaseStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Phase              string             `json:"phase,omitempty"`
	QueuePosition      *int32             `json:"queuePosition,omitempty"`
	AcquiredAt         *metav1.Time       `json:"acquiredAt,omitempty"`
	ExpiresAt          *metav1.Time       `json:"expiresAt,omitempty"`
	ReleasedAt         *metav1.Time       `json:"releasedAt,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
}

type EnvironmentLease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              EnvironmentLeaseSpec   `json:"spec"`
	Status            EnvironmentLeaseStatus `json:"status,omitempty"`
}

type EnvironmentLeaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EnvironmentLease `json:"items"`
}

// Finished reports whether the lease has ended (Expired or Released).
func (l *EnvironmentLease) Finished() bool {
	return l.Status.Phase == PhaseExpired || l.Status.Phase == PhaseReleased
}

var _ runtime.Object = &Workload{}
