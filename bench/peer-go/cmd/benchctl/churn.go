package main

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/internal/seed"
)

// churnOptions: the fleet churn runs against (seed-fleet's targets and
// workloads) and how long it runs.
type churnOptions struct {
	targets, workloads int
	duration           time.Duration
}

// churnAction is one kind of change, made every `every` on its own schedule.
type churnAction struct {
	name  string
	every time.Duration
	do    func(ctx context.Context, n int) error
	next  time.Time
	runs  int
	fails int
}

// Churn labels: ephemeral workloads carry churnLabel (only churn policies pair
// them); every object churn creates carries churnOwned so a rerun can find it.
const (
	churnLabel = "bench.labfleet.dev/churn"
	fleetLabel = "bench.labfleet.dev/fleet"
)

func churnWorkloadName(n int) string { return fmt.Sprintf("churn-w%06d", n) }
func churnTargetName(n int) string   { return fmt.Sprintf("churn-t%06d", n) }
func churnNamespace(n int) string    { return fmt.Sprintf("churn-ns-%06d", n) }
func churnPolicyName(n int) string   { return fmt.Sprintf("churn-p%06d", n) }
func churnLeaseName(n int) string    { return fmt.Sprintf("churn-l%06d", n) }

// churn changes the seeded fleet in every way the operator handles, each on
// its own period, until `duration` has passed, and prints a line of counts a
// minute (stderr) and a summary (stdout). Every name is new (a counter), so
// anything the operator keys by object name and keeps after the object is
// gone grows with time:
//   - a fleet workload's files tag is patched (every 600 ms);
//   - a 2 s lease with a tag override is created on a fleet target (1.2 s);
//     every 5th is deleted by churn while Pending or Active, every 5th other
//     asks for release (spec.release) a second after creation; the rest expire.
//     Finished leases are left to the operator's history retention;
//   - a 10 s lease is renewed (duration raised) while Active (every 15 s);
//   - an ephemeral workload is created and the one before the last deleted
//     (20 s): each lives 40 s and is paired with the fleet's targets while a
//     churn policy exists;
//   - an ephemeral target with its own namespace (created by the operator) is
//     created, the previous one deleted and its namespace after it (45 s);
//   - a churn policy pairing the ephemeral workloads with the fleet's
//     targets is created or deleted, and the fleet policy's environments
//     toggled between all and env0+env1 (30 s).
//
// Failures (conflicts, objects the operator deleted first) are counted, not fatal.
func churn(ctx context.Context, c client.Client, o churnOptions) error {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	patch := func(ctx context.Context, obj client.Object, body string) error {
		return c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(body)))
	}
	ignoreNotFound := func(err error) error {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	fleetTarget := func(n int) string { return seed.TargetName(n % o.targets) }

	leaseTimers := []*time.Timer{}
	defer func() {
		for _, t := range leaseTimers {
			t.Stop()
		}
	}()
	later := func(d time.Duration, f func()) { leaseTimers = append(leaseTimers, time.AfterFunc(d, f)) }

	actions := []*churnAction{
		{name: "tag", every: 600 * time.Millisecond, do: func(ctx context.Context, n int) error {
			w := &api.Workload{ObjectMeta: metav1.ObjectMeta{Name: seed.WorkloadName(n % o.workloads)}}
			return patch(ctx, w, fmt.Sprintf(`{"spec":{"images":{"files":{"tag":"churn-%d"}}}}`, n))
		}},
		{name: "lease", every: 1200 * time.Millisecond, do: func(ctx context.Context, n int) error {
			l := &api.EnvironmentLease{
				TypeMeta:   metav1.TypeMeta{APIVersion: api.GroupVersion.String(), Kind: "EnvironmentLease"},
				ObjectMeta: metav1.ObjectMeta{Name: churnLeaseName(n), Labels: map[string]string{churnLabel: "true"}},
				Spec: api.EnvironmentLeaseSpec{Target: fleetTarget(n), Holder: "churn@example.com", Duration: "2s",
					Reason: "churn", Overrides: []api.LeaseOverride{{Workload: seed.WorkloadName(n % o.workloads),
						Files: &api.TagOverride{Tag: fmt.Sprintf("lease-%d", n)}}}},
			}
			if err := c.Create(ctx, l); err != nil {
				return err
			}
			name := l.Name
			switch n % 5 {
			case 0: // deleted while Pending or Active
				later(time.Second, func() {
					_ = c.Delete(context.Background(), &api.EnvironmentLease{ObjectMeta: metav1.ObjectMeta{Name: name}})
				})
			case 1: // released by its holder
				later(time.Second, func() {
					_ = patch(context.Background(), &api.EnvironmentLease{ObjectMeta: metav1.ObjectMeta{Name: name}},
						`{"spec":{"release":true}}`)
				})
			}
			return nil
		}},
		{name: "renew", every: 15 * time.Second, do: func(ctx context.Context, n int) error {
			l := &api.EnvironmentLease{
				TypeMeta:   metav1.TypeMeta{APIVersion: api.GroupVersion.String(), Kind: "EnvironmentLease"},
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("churn-renew%06d", n), Labels: map[string]string{churnLabel: "true"}},
				Spec: api.EnvironmentLeaseSpec{Target: fleetTarget(n), Holder: "churn@example.com", Duration: "10s",
					Reason: "churn renewal"},
			}
			if err := c.Create(ctx, l); err != nil {
				return err
			}
			name := l.Name
			later(4*time.Second, func() {
				_ = patch(context.Background(), &api.EnvironmentLease{ObjectMeta: metav1.ObjectMeta{Name: name}},
					`{"spec":{"duration":"12s"}}`)
			})
			return nil
		}},
		{name: "workload", every: 20 * time.Second, do: func(ctx context.Context, n int) error {
			w := seed.Workload(0)
			w.Name = churnWorkloadName(n)
			w.Labels = map[string]string{churnLabel: "true"}
			w.Spec.Images.Workshop.Repository = "workshops/" + w.Name
			w.Spec.Images.Files.Repository = "workshops/" + w.Name + "-files"
			if err := c.Create(ctx, w); err != nil {
				return err
			}
			if n < 2 {
				return nil
			}
			return ignoreNotFound(c.Delete(ctx, &api.Workload{ObjectMeta: metav1.ObjectMeta{Name: churnWorkloadName(n - 2)}}))
		}},
		{name: "target", every: 45 * time.Second, do: func(ctx context.Context, n int) error {
			t := seed.Target(0)
			t.Name = churnTargetName(n)
			t.Spec.Namespace = churnNamespace(n)
			t.Spec.Channel = fmt.Sprintf("churn%d", n)
			if err := c.Create(ctx, t); err != nil {
				return err
			}
			if n < 1 {
				return nil
			}
			if err := ignoreNotFound(c.Delete(ctx, &api.DeploymentTarget{ObjectMeta: metav1.ObjectMeta{Name: churnTargetName(n - 1)}})); err != nil {
				return err
			}
			ns := churnNamespace(n - 1)
			later(10*time.Second, func() {
				_ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			})
			return nil
		}},
		{name: "policy", every: 30 * time.Second, do: func(ctx context.Context, n int) error {
			environments := `null`
			if n%2 == 1 {
				environments = `["env0","env1"]`
			}
			if err := patch(ctx, seed.Policy(), `{"spec":{"environments":`+environments+`}}`); err != nil {
				return err
			}
			if n%2 == 1 {
				return ignoreNotFound(c.Delete(ctx, &api.SchedulingPolicy{ObjectMeta: metav1.ObjectMeta{Name: churnPolicyName(n - 1)}}))
			}
			p := seed.Policy()
			p.Name = churnPolicyName(n)
			p.Spec.WorkloadSelector = &metav1.LabelSelector{MatchLabels: map[string]string{churnLabel: "true"}}
			p.Spec.TargetSelector = &metav1.LabelSelector{MatchLabels: map[string]string{fleetLabel: "true"}}
			return c.Create(ctx, p)
		}},
	}

	start := time.Now()
	for _, a := range actions {
		a.next = start
	}
	report := func(w *os.File, prefix string) {
		fmt.Fprintf(w, "%s elapsed_s=%.0f", prefix, time.Since(start).Seconds())
		for _, a := range actions {
			fmt.Fprintf(w, " %s=%d", a.name, a.runs)
			if a.fails > 0 {
				fmt.Fprintf(w, " %s_failed=%d", a.name, a.fails)
			}
		}
		fmt.Fprintln(w)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	nextReport := start.Add(time.Minute)
	for {
		select {
		case <-ctx.Done():
			report(os.Stdout, "churn")
			return nil
		case now := <-tick.C:
			for _, a := range actions {
				if now.Before(a.next) {
					continue
				}
				a.next = a.next.Add(a.every)
				// Each request bounded, so a stalled API server cannot stop the schedule.
				rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
				if err := a.do(rctx, a.runs); err != nil && ctx.Err() == nil {
					a.fails++
					if a.fails <= 3 {
						fmt.Fprintf(os.Stderr, "  churn %s #%d: %v\n", a.name, a.runs, err)
					}
				}
				rcancel()
				a.runs++
			}
			if now.After(nextReport) {
				report(os.Stderr, "  churn")
				nextReport = nextReport.Add(time.Minute)
			}
		}
	}
}
