package main

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/fleet"
)

const leaseTargetIndex = "spec.target"

// WorkloadReconciler applies the ConfigMap, Deployment and Service of every
// (workload, target) pair and reports the resolved images in status.
type WorkloadReconciler struct {
	client.Client
	Recorder events.EventRecorder
}

func (r *WorkloadReconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&api.Workload{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{},
			predicate.LabelChangedPredicate{}))).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Watches(&api.DeploymentTarget{}, handler.EnqueueRequestsFromMapFunc(r.allWorkloads)).
		Watches(&api.SchedulingPolicy{}, handler.EnqueueRequestsFromMapFunc(r.allWorkloads)).
		Watches(&api.EnvironmentLease{}, handler.EnqueueRequestsFromMapFunc(leaseWorkloads)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

func (r *WorkloadReconciler) allWorkloads(ctx context.Context, _ client.Object) []reconcile.Request {
	var list api.WorkloadList
	if err := r.List(ctx, &list); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, w := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: w.Name}})
	}
	return out
}

// leaseWorkloads: a lease changes only the workloads it overrides.
func leaseWorkloads(_ context.Context, o client.Object) []reconcile.Request {
	l := o.(*api.EnvironmentLease)
	out := make([]reconcile.Request, 0, len(l.Spec.Overrides))
	for _, ov := range l.Spec.Overrides {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: ov.Workload}})
	}
	return out
}

func (r *WorkloadReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var w api.Workload
	if err := r.Get(ctx, req.NamespacedName, &w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err) // children go with the ownerReference
	}
	var policies api.SchedulingPolicyList
	var targets api.DeploymentTargetList
	if err := r.List(ctx, &policies); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.List(ctx, &targets); err != nil {
		return ctrl.Result{}, err
	}
	assigned := fleet.AssignedTargets(&w, policies.Items, targets.Items)

	status := api.WorkloadStatus{ObservedGeneration: w.Generation, Conditions: w.Status.Conditions}
	keep := map[string]bool{}
	ready := true
	wantReplicas := int32(fleet.DefaultReplicas)
	if w.Spec.Replicas != nil {
		wantReplicas = *w.Spec.Replicas
	}
	if w.Spec.Suspend {
		wantReplicas = 0
	}
	for _, t := range assigned {
		keep[t.Name] = true
		lease, err := r.activeLease(ctx, t.Name)
		if err != nil {
			return ctrl.Result{}, err
		}
		res := fleet.Resolve(&w, t, lease)
		desired, err := fleet.Build(&w, t, res)
		if err != nil {
			meta.SetStatusCondition(&status.Conditions, metav1.Condition{Type: "Degraded", Status: metav1.ConditionTrue,
				Reason: "RenderFailed", Message: err.Error(), ObservedGeneration: w.Generation})
			continue
		}
		if err := r.Apply(ctx, desired.ConfigMap, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Apply(ctx, desired.Deployment, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Apply(ctx, desired.Service, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return ctrl.Result{}, err
		}
		var dep appsv1.Deployment
		readyReplicas := int32(0)
		if err := r.Get(ctx, types.NamespacedName{Namespace: t.Spec.Namespace, Name: w.Name + "-files"}, &dep); err == nil {
			readyReplicas = dep.Status.ReadyReplicas
		}
		if readyReplicas < wantReplicas {
			ready = false
		}
		status.Targets = append(status.Targets, api.TargetStatus{Name: t.Name, Environment: t.Spec.Environment,
			WorkshopImage: res.WorkshopImage, FilesImage: res.FilesImage, Source: res.Source, ReadyReplicas: readyReplicas})
	}
	if err := r.prune(ctx, w.Name, keep); err != nil {
		return ctrl.Result{}, err
	}

	cond := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Available",
		Message: "every target has its ready replicas", ObservedGeneration: w.Generation}
	if !ready {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "Progressing", "waiting for ready replicas"
	}
	status.Conditions = append([]metav1.Condition(nil), status.Conditions...)
	meta.SetStatusCondition(&status.Conditions, cond)
	if equality.Semantic.DeepEqual(status, w.Status) {
		return ctrl.Result{}, nil // nothing changed: no write
	}
	patch := client.MergeFrom(w.DeepCopy())
	w.Status = status
	return ctrl.Result{}, r.Status().Patch(ctx, &w, patch)
}

func (r *WorkloadReconciler) activeLease(ctx context.Context, target string) (*api.EnvironmentLease, error) {
	var leases api.EnvironmentLeaseList
	if err := r.List(ctx, &leases, client.MatchingFields{leaseTargetIndex: target}); err != nil {
		return nil, err
	}
	for i := range leases.Items {
		if leases.Items[i].Status.Phase == api.PhaseActive {
			return &leases.Items[i], nil
		}
	}
	return nil, nil
}

// prune deletes the children of pairs that no policy selects any more.
func (r *WorkloadReconciler) prune(ctx context.Context, workload string, keep map[string]bool) error {
	sel := client.MatchingLabels{fleet.ManagedByLabel: fleet.ManagedByValue, fleet.WorkloadLabel: workload}
	lists := []client.ObjectList{&appsv1.DeploymentList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{}}
	for _, l := range lists {
		if err := r.List(ctx, l, sel); err != nil {
			return err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return err
		}
		for _, it := range items {
			o := it.(client.Object)
			if keep[o.GetLabels()[fleet.TargetLabel]] {
				continue
			}
			if err := r.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}
