package main

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"labfleet.dev/bench/peer-go/api"
)

// expiryLag has Labfleet's name and buckets, so the scenarios read both operators the same way.
var expiryLag = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "labfleet_lease_expiry_lag_seconds",
	Help:    "Time from a lease's status.expiresAt to its release by expiry.",
	Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
})

func init() { ctrlmetrics.Registry.MustRegister(expiryLag) }

// LeaseReconciler runs the lease queue of one DeploymentTarget per request:
// release finished leases, grant the oldest Pending one, requeue at the next expiry.
type LeaseReconciler struct {
	client.Client
	Recorder events.EventRecorder
}

func (r *LeaseReconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("environmentlease").
		For(&api.DeploymentTarget{}).
		Watches(&api.EnvironmentLease{}, handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, o client.Object) []reconcile.Request {
				return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: o.(*api.EnvironmentLease).Spec.Target}}}
			})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

func parseDuration(s string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return fallback
}

func (r *LeaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var leases api.EnvironmentLeaseList
	if err := r.List(ctx, &leases, client.MatchingFields{leaseTargetIndex: req.Name}); err != nil {
		return ctrl.Result{}, err
	}
	var target api.DeploymentTarget
	targetFound := true
	if err := r.Get(ctx, req.NamespacedName, &target); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		targetFound = false
	}
	defDur := parseDuration(target.Spec.Leases.DefaultDuration, time.Hour)
	maxDur := parseDuration(target.Spec.Leases.MaxDuration, 8*time.Hour)

	items := leases.Items
	sort.Slice(items, func(i, j int) bool {
		ci, cj := items[i].CreationTimestamp, items[j].CreationTimestamp
		if !ci.Equal(&cj) {
			return ci.Before(&cj)
		}
		return items[i].Name < items[j].Name
	})
	now := time.Now()
	var next time.Duration
	hasActive := false

	for i := range items {
		l := &items[i]
		if l.DeletionTimestamp != nil || l.Finished() {
			continue
		}
		want := l.Status.DeepCopy()
		want.ObservedGeneration = l.Generation
		reason := ""
		if !targetFound {
			want.Phase = api.PhasePending
			meta.SetStatusCondition(&want.Conditions, metav1.Condition{Type: "TargetNotFound", Status: metav1.ConditionTrue,
				Reason: "TargetNotFound", Message: "no DeploymentTarget " + req.Name, ObservedGeneration: l.Generation})
		} else if l.Status.Phase == api.PhaseActive {
			dur := parseDuration(l.Spec.Duration, defDur)
			if dur > maxDur {
				dur = maxDur
			}
			expires := metav1.NewTime(l.Status.AcquiredAt.Add(dur))
			want.ExpiresAt = &expires // renewal: raising duration moves expiresAt
			switch {
			case l.Spec.Release:
				want.Phase, want.ReleasedAt, reason = api.PhaseReleased, nowTime(now), "LeaseReleased"
			case !now.Before(expires.Time):
				want.Phase, want.ReleasedAt, reason = api.PhaseExpired, nowTime(now), "LeaseExpired"
			default:
				hasActive = true
				if left := expires.Sub(now); next == 0 || left < next {
					next = left
				}
			}
		} else if l.Spec.Release {
			want.Phase, want.ReleasedAt, reason = api.PhaseReleased, nowTime(now), "LeaseReleased"
		}
		if want.Phase == "" {
			want.Phase = api.PhasePending
		}
		if reason != "" {
			want.QueuePosition = nil
		}
		if err := r.writeStatus(ctx, l, want, reason, now); err != nil {
			return ctrl.Result{}, err
		}
	}

	// Grant the oldest Pending lease when none is Active, then number the queue.
	position := int32(0)
	for i := range items {
		l := &items[i]
		if !targetFound || l.DeletionTimestamp != nil || l.Status.Phase != api.PhasePending || l.Spec.Release {
			continue
		}
		want := l.Status.DeepCopy()
		want.ObservedGeneration = l.Generation
		reason := ""
		if !hasActive {
			hasActive = true
			dur := parseDuration(l.Spec.Duration, defDur)
			if dur > maxDur {
				dur = maxDur
			}
			acquired := metav1.NewTime(now.Truncate(time.Second))
			expires := metav1.NewTime(acquired.Add(dur))
			want.Phase, want.AcquiredAt, want.ExpiresAt, want.QueuePosition = api.PhaseActive, &acquired, &expires, nil
			meta.RemoveStatusCondition(&want.Conditions, "TargetNotFound")
			reason = "LeaseGranted"
			if left := expires.Sub(now); next == 0 || left < next {
				next = left
			}
		} else {
			position++
			p := position
			want.QueuePosition = &p
		}
		if err := r.writeStatus(ctx, l, want, reason, now); err != nil {
			return ctrl.Result{}, err
		}
	}
	if next > 0 {
		return ctrl.Result{RequeueAfter: next}, nil
	}
	return ctrl.Result{}, nil
}

func nowTime(now time.Time) *metav1.Time {
	t := metav1.NewTime(now)
	return &t
}

// writeStatus patches the status when it changed (optimistic lock: a stale cache gets a 409 and a retry).
func (r *LeaseReconciler) writeStatus(ctx context.Context, l *api.EnvironmentLease, want *api.EnvironmentLeaseStatus,
	reason string, now time.Time) error {
	if equality.Semantic.DeepEqual(*want, l.Status) {
		return nil
	}
	patch := client.MergeFromWithOptions(l.DeepCopy(), client.MergeFromWithOptimisticLock{})
	l.Status = *want
	if err := r.Status().Patch(ctx, l, patch); err != nil {
		return err
	}
	if reason == "LeaseExpired" {
		expiryLag.Observe(time.Since(l.Status.ExpiresAt.Time).Seconds())
	}
	if reason != "" {
		r.Recorder.Eventf(l, nil, corev1.EventTypeNormal, reason, reason, "%s on %s for %s", reason, l.Spec.Target, l.Spec.Holder)
		log.FromContext(ctx).V(1).Info(reason, "lease", l.Name, "lagSeconds", time.Since(now).Seconds())
	}
	return nil
}
