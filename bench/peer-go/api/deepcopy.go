package api

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// What controller-gen would generate, written out by hand.

func copyTag(t *TagOverride) *TagOverride {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func copyConditions(in []metav1.Condition) []metav1.Condition {
	if in == nil {
		return nil
	}
	out := make([]metav1.Condition, len(in))
	for i := range in {
		in[i].DeepCopyInto(&out[i])
	}
	return out
}

func (in *DeploymentTarget) DeepCopyInto(out *DeploymentTarget) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
}

func (in *DeploymentTarget) DeepCopyObject() runtime.Object {
	out := new(DeploymentTarget)
	in.DeepCopyInto(out)
	return out
}

func (in *DeploymentTargetList) DeepCopyObject() runtime.Object {
	out := &DeploymentTargetList{TypeMeta: in.TypeMeta}
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]DeploymentTarget, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

func (in *Workload) DeepCopyInto(out *Workload) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if in.Spec.Workshop.Raw != nil {
		out.Spec.Workshop.Raw = append([]byte(nil), in.Spec.Workshop.Raw...)
	}
	if in.Spec.Overrides != nil {
		out.Spec.Overrides = make([]WorkloadOverride, len(in.Spec.Overrides))
		for i, o := range in.Spec.Overrides {
			out.Spec.Overrides[i] = WorkloadOverride{Environment: o.Environment, Target: o.Target,
				Workshop: copyTag(o.Workshop), Files: copyTag(o.Files)}
		}
	}
	if in.Spec.Replicas != nil {
		r := *in.Spec.Replicas
		out.Spec.Replicas = &r
	}
	out.Status.Conditions = copyConditions(in.Status.Conditions)
	if in.Status.Targets != nil {
		out.Status.Targets = append([]TargetStatus(nil), in.Status.Targets...)
	}
}

func (in *Workload) DeepCopy() *Workload {
	out := new(Workload)
	in.DeepCopyInto(out)
	return out
}

func (in *Workload) DeepCopyObject() runtime.Object { return in.DeepCopy() }

func (in *WorkloadList) DeepCopyObject() runtime.Object {
	out := &WorkloadList{TypeMeta: in.TypeMeta}
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Workload, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

func (in *SchedulingPolicy) DeepCopyInto(out *SchedulingPolicy) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.WorkloadSelector = in.Spec.WorkloadSelector.DeepCopy()
	out.Spec.TargetSelector = in.Spec.TargetSelector.DeepCopy()
	if in.Spec.Environments != nil {
		out.Spec.Environments = append([]string(nil), in.Spec.Environments...)
	}
}

func (in *SchedulingPolicy) DeepCopyObject() runtime.Object {
	out := new(SchedulingPolicy)
	in.DeepCopyInto(out)
	return out
}

func (in *SchedulingPolicyList) DeepCopyObject() runtime.Object {
	out := &SchedulingPolicyList{TypeMeta: in.TypeMeta}
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]SchedulingPolicy, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

func (in *EnvironmentLease) DeepCopyInto(out *EnvironmentLease) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if in.Spec.Overrides != nil {
		out.Spec.Overrides = make([]LeaseOverride, len(in.Spec.Overrides))
		for i, o := range in.Spec.Overrides {
			out.Spec.Overrides[i] = LeaseOverride{Workload: o.Workload, Workshop: copyTag(o.Workshop), Files: copyTag(o.Files)}
		}
	}
	out.Status = *in.Status.DeepCopy()
}

func (in *EnvironmentLeaseStatus) DeepCopy() *EnvironmentLeaseStatus {
	out := *in
	if in.QueuePosition != nil {
		q := *in.QueuePosition
		out.QueuePosition = &q
	}
	out.AcquiredAt = in.AcquiredAt.DeepCopy()
	out.ExpiresAt = in.ExpiresAt.DeepCopy()
	out.ReleasedAt = in.ReleasedAt.DeepCopy()
	out.Conditions = copyConditions(in.Conditions)
	return &out
}

func (in *EnvironmentLease) DeepCopy() *EnvironmentLease {
	out := new(EnvironmentLease)
	in.DeepCopyInto(out)
	return out
}

func (in *EnvironmentLease) DeepCopyObject() runtime.Object { return in.DeepCopy() }

func (in *EnvironmentLeaseList) DeepCopyObject() runtime.Object {
	out := &EnvironmentLeaseList{TypeMeta: in.TypeMeta}
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]EnvironmentLease, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}
