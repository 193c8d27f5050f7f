// Command benchctl prepares and observes the benchmark scenarios: it seeds the
// fleet and the lease storm concurrently, waits on the API for convergence,
// and reads histograms from a /metrics endpoint.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/fleet"
	"labfleet.dev/bench/peer-go/internal/seed"
)

const usage = `benchctl COMMAND [flags]
  seed-fleet      --targets N --workloads M [--policy=true]   namespaces, targets, workloads, policy
  wait-converged  --targets N --workloads M [--timeout 30m]   until every child Deployment has its image
  seed-storm      --count K [--duration 10m]                  K storm targets and one lease on each
  wait-leases     --count K --phase P [--timeout 10m]         until K storm leases are in phase P
  renew           --at UNIX                                   set each Active storm lease to expire at UNIX
  wait-expires    --at UNIX                                   until every storm lease shows expiresAt UNIX (fails at UNIX)
  watch-expired   --at UNIX --count K [--timeout 10m]         watches the storm leases; prints when each turned Expired, after UNIX
  grant-floor     --at UNIX [--concurrency 32] [--conditions] the storm's floor, no operator: every storm lease Active, expiring at UNIX
  expire-floor    --at UNIX [--concurrency 32] [--patch] [--conditions]
                                                              the storm's floor: at UNIX, writes every storm lease's Expired status
                                                              (a status update each; --patch: a merge patch, as the peer writes;
                                                              --conditions: the conditions Labfleet's statuses carry: eight while
                                                              Active, its three health conditions once Expired)
  lease-report                                                expiresAt spread and releasedAt-expiresAt (s)
  histogram       --url URL --name NAME                       count p50 p99 max of a Prometheus histogram
  count                                                       objects in the cluster the operators cache
  churn           --targets N --workloads M [--for 1h]        changes the seeded fleet in every way (see churn.go) until --for has passed`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	targets := fs.Int("targets", 10, "fleet targets")
	workloads := fs.Int("workloads", 1000, "fleet workloads")
	policy := fs.Bool("policy", true, "create the policy pairing them")
	count := fs.Int("count", 1000, "storm leases")
	duration := fs.String("duration", "10m", "storm lease duration")
	phase := fs.String("phase", api.PhaseActive, "lease phase")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after")
	at := fs.Int64("at", 0, "unix seconds")
	url := fs.String("url", "", "metrics URL")
	name := fs.String("name", "", "histogram name")
	concurrency := fs.Int("concurrency", 32, "requests in flight")
	patch := fs.Bool("patch", false, "expire-floor: merge patches instead of status updates")
	conditions := fs.Bool("conditions", false, "grant-floor, expire-floor: statuses with the conditions Labfleet's carry (eight while Active, three once Expired)")
	churnFor := fs.Duration("for", time.Hour, "churn: how long")
	_ = fs.Parse(os.Args[2:])
	ctx := context.Background()

	switch cmd {
	case "histogram":
		check(histogram(*url, *name))
		return
	}
	c, cfg := seed.Client()
	switch cmd {
	case "seed-fleet":
		create(ctx, c, *targets, *concurrency, func(i int) client.Object {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: seed.Namespace(i)}}
		})
		create(ctx, c, *targets, *concurrency, func(i int) client.Object { return seed.Target(i) })
		create(ctx, c, *workloads, *concurrency, func(i int) client.Object { return seed.Workload(i) })
		if *policy {
			create(ctx, c, 1, 1, func(int) client.Object { return seed.Policy() })
		}
	case "seed-storm":
		create(ctx, c, 1, 1, func(int) client.Object {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-storm"}}
		})
		create(ctx, c, *count, *concurrency, func(i int) client.Object { return seed.StormTarget(i) })
		create(ctx, c, *count, *concurrency, func(i int) client.Object { return seed.StormLease(i, *duration) })
	case "wait-converged":
		check(waitConverged(ctx, cfg, *targets, *workloads, *timeout))
	case "wait-leases":
		check(waitLeases(ctx, cfg, *count, *phase, *timeout))
	case "renew":
		check(renew(ctx, c, *at, *concurrency))
	case "wait-expires":
		check(waitExpires(ctx, cfg, *at))
	case "watch-expired":
		check(watchExpired(ctx, cfg, *at, *count, *timeout))
	case "grant-floor":
		check(grantFloor(ctx, c, *at, *concurrency, *conditions))
	case "expire-floor":
		check(expireFloor(ctx, c, *at, *concurrency, *patch, *conditions))
	case "lease-report":
		check(leaseReport(ctx, c))
	case "count":
		check(countObjects(ctx, c))
	case "churn":
		check(churn(ctx, c, churnOptions{targets: *targets, workloads: *workloads, duration: *churnFor}))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func create(ctx context.Context, c client.Client, n, workers int, obj func(int) client.Object) {
	err, failures := seed.Parallel(ctx, "creates", n, workers, func(ctx context.Context, i int) error {
		if err := c.Create(ctx, obj(i)); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		return nil
	})
	if err != nil {
		check(fmt.Errorf("%d creates failed, first: %w", failures, err))
	}
}

// waitConverged watches the managed Deployments until each has its image. Listing them over and
// over would load the API server whose convergence it measures: at 10,000 Deployments one list is
// tens of megabytes to encode.
func waitConverged(ctx context.Context, cfg *rest.Config, targets, workloads int, timeout time.Duration) error {
	want := map[string]string{}
	for t := 0; t < targets; t++ {
		for w := 0; w < workloads; w++ {
			want[seed.Namespace(t)+"/"+seed.WorkloadName(w)+"-files"] = seed.ExpectedFilesImage(w, t)
		}
	}
	c, err := client.NewWithWatch(cfg, client.Options{})
	if err != nil {
		return err
	}
	good := map[string]bool{}
	last, lastAt := -1, time.Time{}
	done := func() bool {
		if len(good) != last && time.Since(lastAt) >= time.Second { // progress at most once a second
			fmt.Fprintf(os.Stderr, "  converged %d/%d\n", len(good), len(want))
			last, lastAt = len(good), time.Now()
		}
		return len(good) == len(want)
	}
	selector := fmt.Sprintf("%s=%s,%s", fleet.ManagedByLabel, fleet.ManagedByValue, fleet.WorkloadLabel)
	err = listWatch(ctx, c, timeout, func() client.ObjectList { return &appsv1.DeploymentList{} },
		metav1.ListOptions{LabelSelector: selector}, func() { clear(good) },
		func(obj runtime.Object, gone bool) {
			d, ok := obj.(*appsv1.Deployment)
			if !ok {
				return
			}
			key := d.Namespace + "/" + d.Name
			if img, ok := want[key]; ok && !gone && fleet.DeploymentImage(d) == img {
				good[key] = true
			} else {
				delete(good, key)
			}
		}, done)
	if err != nil {
		return fmt.Errorf("only %d of %d Deployments right after %s: %w", len(good), len(want), timeout, err)
	}
	return nil
}

// listWatch lists with opts, then watches from the list's resourceVersion, and calls note with
// each object it reads (gone: a Deleted event) until done is true. It lists again, after reset,
// only when a watch ends, and waits a second first when no watch could start. timeout bounds it
// all, the list, the watch and the pauses included: it then returns the context's error.
func listWatch(ctx context.Context, c client.WithWatch, timeout time.Duration, newList func() client.ObjectList,
	opts metav1.ListOptions, reset func(), note func(obj runtime.Object, gone bool), done func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pause := func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
			return nil
		}
	}
	for {
		list := newList()
		if err := c.List(ctx, list, &client.ListOptions{Raw: &opts}); err != nil {
			if err := pause(); err != nil {
				return err
			}
			continue
		}
		reset()
		if err := meta.EachListItem(list, func(obj runtime.Object) error { note(obj, false); return nil }); err != nil {
			return err
		}
		if done() {
			return nil
		}
		watchOpts := opts
		watchOpts.ResourceVersion, watchOpts.AllowWatchBookmarks = list.GetResourceVersion(), true
		w, err := c.Watch(ctx, newList(), &client.ListOptions{Raw: &watchOpts})
		if err != nil {
			if err := pause(); err != nil {
				return err
			}
			continue
		}
		for ev := range w.ResultChan() {
			note(ev.Object, ev.Type == watch.Deleted)
			if done() {
				w.Stop()
				return nil
			}
		}
		w.Stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func stormLeases(ctx context.Context, c client.Client) ([]api.EnvironmentLease, error) {
	var list api.EnvironmentLeaseList
	if err := c.List(ctx, &list); err != nil {
		return nil, err
	}
	out := list.Items[:0]
	for _, l := range list.Items {
		if isStormLease(l.Name) {
			out = append(out, l)
		}
	}
	return out, nil
}

// leaseClient reads and watches EnvironmentLeases.
func leaseClient(cfg *rest.Config) (client.WithWatch, error) {
	s := runtime.NewScheme()
	_ = api.AddToScheme(s)
	return client.NewWithWatch(cfg, client.Options{Scheme: s})
}

func isStormLease(name string) bool { return strings.HasPrefix(name, seed.StormLeasePrefix) }

// watchStormLeases follows the storm leases with listWatch, keeping each one's
// last state (a Deleted one is dropped), until done(latest) is true or timeout passes.
func watchStormLeases(ctx context.Context, cfg *rest.Config, timeout time.Duration,
	done func(latest map[string]*api.EnvironmentLease) bool) error {
	c, err := leaseClient(cfg)
	if err != nil {
		return err
	}
	latest := map[string]*api.EnvironmentLease{}
	return listWatch(ctx, c, timeout, func() client.ObjectList { return &api.EnvironmentLeaseList{} },
		metav1.ListOptions{}, func() { clear(latest) },
		func(obj runtime.Object, gone bool) {
			l, ok := obj.(*api.EnvironmentLease)
			if !ok || !isStormLease(l.Name) {
				return
			}
			if gone {
				delete(latest, l.Name)
			} else {
				latest[l.Name] = l
			}
		}, func() bool { return done(latest) })
}

func waitLeases(ctx context.Context, cfg *rest.Config, n int, phase string, timeout time.Duration) error {
	got, last, lastAt := 0, -1, time.Time{}
	err := watchStormLeases(ctx, cfg, timeout, func(latest map[string]*api.EnvironmentLease) bool {
		got = 0
		for _, l := range latest {
			if l.Status.Phase == phase {
				got++
			}
		}
		if got != last && time.Since(lastAt) >= 500*time.Millisecond { // progress at most twice a second
			fmt.Fprintf(os.Stderr, "  %s %d/%d\n", phase, got, n)
			last, lastAt = got, time.Now()
		}
		return got >= n
	})
	if err != nil {
		return fmt.Errorf("only %d of %d leases %s after %s: %w", got, n, phase, timeout, err)
	}
	return nil
}

// renew raises each Active lease's duration so that acquiredAt + duration = at: every lease expires in the same second.
func renew(ctx context.Context, c client.Client, at int64, workers int) error {
	leases, err := stormLeases(ctx, c)
	if err != nil {
		return err
	}
	err, failures := seed.Parallel(ctx, "lease writes", len(leases), workers, func(ctx context.Context, i int) error {
		l := &leases[i]
		if l.Status.Phase != api.PhaseActive || l.Status.AcquiredAt == nil {
			return fmt.Errorf("lease %s is %q", l.Name, l.Status.Phase)
		}
		secs := at - l.Status.AcquiredAt.Unix()
		if secs <= 0 {
			return fmt.Errorf("lease %s acquired after %d", l.Name, at)
		}
		patch := []byte(fmt.Sprintf(`{"spec":{"duration":"%ds"}}`, secs))
		return c.Patch(ctx, l, client.RawPatch("application/merge-patch+json", patch))
	})
	if err != nil {
		return fmt.Errorf("%d renewals failed, first: %w", failures, err)
	}
	return nil
}

// waitExpires: the operator has taken every renewal into status before the common deadline.
func waitExpires(ctx context.Context, cfg *rest.Config, at int64) error {
	deadline := time.Unix(at, 0)
	if !time.Now().Before(deadline) {
		return fmt.Errorf("the deadline %d has passed already: raise --lead", at)
	}
	err := watchStormLeases(ctx, cfg, time.Until(deadline), func(latest map[string]*api.EnvironmentLease) bool {
		for _, l := range latest {
			if l.Status.ExpiresAt == nil || l.Status.ExpiresAt.Unix() != at {
				return false
			}
		}
		return len(latest) > 0
	})
	if err != nil {
		return fmt.Errorf("the deadline %d passed before every lease showed it: raise --lead: %w", at, err)
	}
	fmt.Fprintf(os.Stderr, "  every storm lease expires at %d, %.1f s from now\n", at, time.Until(deadline).Seconds())
	return nil
}

// watchExpired measures the expiry lag as a user sees it: it watches the
// storm leases and notes, for each, when a watch event first shows it
// Expired, less the common expiresAt `at`. The same for every operator, and
// exact to the millisecond, unlike the whole-second releasedAt or a
// histogram's buckets. It must start before `at`.
func watchExpired(ctx context.Context, cfg *rest.Config, at int64, n int, timeout time.Duration) error {
	c, err := leaseClient(cfg)
	if err != nil {
		return err
	}
	expiry := time.Unix(at, 0)
	seen := map[string]time.Duration{} // kept across relists: the first sighting is the lag
	err = listWatch(ctx, c, timeout, func() client.ObjectList { return &api.EnvironmentLeaseList{} },
		metav1.ListOptions{}, func() {},
		func(obj runtime.Object, _ bool) {
			l, ok := obj.(*api.EnvironmentLease)
			if !ok {
				return
			}
			if _, ok := seen[l.Name]; !ok && isStormLease(l.Name) && l.Status.Phase == api.PhaseExpired {
				seen[l.Name] = time.Since(expiry)
			}
		}, func() bool { return len(seen) >= n })
	if err != nil {
		return fmt.Errorf("only %d of %d leases seen Expired after %s: %w", len(seen), n, timeout, err)
	}
	lags := make([]time.Duration, 0, len(seen))
	for _, lag := range seen {
		lags = append(lags, lag)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	rank := func(p float64) float64 {
		return float64(lags[int(math.Ceil(p*float64(len(lags))))-1].Microseconds()) / 1000
	}
	fmt.Printf("watched=%d watched_p50_ms=%.0f watched_p99_ms=%.0f watched_max_ms=%.0f\n", len(lags), rank(0.5),
		rank(0.99), rank(1))
	return nil
}

// The lease storm's floor: no operator runs. grantFloor writes every storm
// lease's status Active, expiring at `at`, as an operator's grant would;
// expireFloor waits for `at` and then writes each lease's status as an
// operator's sweeper would (phase Expired, releasedAt): one status update per
// lease, `workers` in flight and nothing else, the least any operator must
// write. watch-expired measures it as it measures the operators.
func grantFloor(ctx context.Context, c client.Client, at int64, workers int, conditions bool) error {
	leases, err := stormLeases(ctx, c)
	if err != nil {
		return err
	}
	return writeStatuses(ctx, c, leases, workers, false, func(l *api.EnvironmentLease) {
		acquired, expires := metav1.Now(), metav1.Unix(at, 0)
		l.Status = api.EnvironmentLeaseStatus{ObservedGeneration: l.Generation, Phase: api.PhaseActive,
			AcquiredAt: &acquired, ExpiresAt: &expires}
		if conditions {
			l.Status.Conditions = operatorConditions(l)
		}
	})
}

func expireFloor(ctx context.Context, c client.Client, at int64, workers int, patch, conditions bool) error {
	leases, err := stormLeases(ctx, c)
	if err != nil {
		return err
	}
	time.Sleep(time.Until(time.Unix(at, 0)))
	start := time.Now()
	err = writeStatuses(ctx, c, leases, workers, patch, func(l *api.EnvironmentLease) {
		released := metav1.Now()
		l.Status.Phase, l.Status.ReleasedAt = api.PhaseExpired, &released
		if conditions {
			// A finished lease keeps only its health: the open lease's details go.
			finished := "Finished: expired at " + l.Status.ExpiresAt.UTC().Format(time.RFC3339)
			var health []metav1.Condition
			for _, c := range []metav1.Condition{
				{Type: "Ready", Status: "True", Reason: "Expired", Message: finished},
				{Type: "Reconciling", Status: "False", Reason: "Expired", Message: finished},
				{Type: "Stalled", Status: "False", Reason: "Expired", Message: finished},
			} {
				c.ObservedGeneration = l.Generation
				if old := meta.FindStatusCondition(l.Status.Conditions, c.Type); old != nil {
					c.LastTransitionTime = old.LastTransitionTime
				}
				meta.SetStatusCondition(&health, c)
			}
			l.Status.Conditions = health
		}
	})
	if err != nil {
		return err
	}
	elapsed := time.Since(start).Seconds()
	fmt.Printf("floor_writes=%d floor_s=%.3f floor_writes_per_s=%.0f\n", len(leases), elapsed,
		float64(len(leases))/elapsed)
	return nil
}

// operatorConditions are the eight conditions Labfleet's lease statuses carry
// while Active and near expiresAt (expireFloor keeps the three of its health,
// as Labfleet's expiry does), so that the floor's writes weigh what Labfleet's do.
func operatorConditions(l *api.EnvironmentLease) []metav1.Condition {
	t := l.Spec.Target
	var out []metav1.Condition
	for _, c := range []metav1.Condition{
		{Type: "TargetNotFound", Status: "False", Reason: "TargetFound", Message: "Deployment target " + t + " exists"},
		{Type: "OverridesValid", Status: "True", Reason: "OverridesValid",
			Message: "Every override names a workload assigned to target " + t},
		{Type: "DurationClamped", Status: "False", Reason: "WithinMaxDuration",
			Message: "Lasts " + l.Spec.Duration + ", within the maxDuration 8h of target " + t},
		{Type: "Serving", Status: "True", Reason: "Serving", Message: "No workload is assigned to the target"},
		{Type: "ExpiringSoon", Status: "True", Reason: "ExpiringSoon",
			Message: "Expires at " + l.Status.ExpiresAt.UTC().Format(time.RFC3339)},
		{Type: "Ready", Status: "True", Reason: "Serving", Message: "No workload is assigned to the target"},
		{Type: "Reconciling", Status: "False", Reason: "Serving", Message: "No workload is assigned to the target"},
		{Type: "Stalled", Status: "False", Reason: "Serving", Message: "No workload is assigned to the target"},
	} {
		c.ObservedGeneration = l.Generation
		meta.SetStatusCondition(&out, c)
	}
	return out
}

// writeStatuses writes each lease's status as `set` makes it, `workers` in
// flight: a status update, or with `patch` a merge patch of the change with
// the resourceVersion (the peer's optimistic lock).
func writeStatuses(ctx context.Context, c client.Client, leases []api.EnvironmentLease, workers int, patch bool,
	set func(*api.EnvironmentLease)) error {
	err, failures := seed.Parallel(ctx, "lease writes", len(leases), workers, func(ctx context.Context, i int) error {
		l := &leases[i]
		if !patch {
			set(l)
			return c.Status().Update(ctx, l)
		}
		from := client.MergeFromWithOptions(l.DeepCopy(), client.MergeFromWithOptimisticLock{})
		set(l)
		return c.Status().Patch(ctx, l, from)
	})
	if err != nil {
		return fmt.Errorf("%d status writes failed, first: %w", failures, err)
	}
	return nil
}

func leaseReport(ctx context.Context, c client.Client) error {
	leases, err := stormLeases(ctx, c)
	if err != nil {
		return err
	}
	var minExp, maxExp int64 = math.MaxInt64, 0
	var lags []int64
	for _, l := range leases {
		if l.Status.ExpiresAt != nil {
			e := l.Status.ExpiresAt.Unix()
			minExp, maxExp = min(minExp, e), max(maxExp, e)
			if l.Status.ReleasedAt != nil {
				lags = append(lags, l.Status.ReleasedAt.Unix()-e)
			}
		}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	if len(lags) == 0 {
		return fmt.Errorf("no released storm leases")
	}
	fmt.Printf("leases=%d released=%d expiresAt_spread_s=%d status_lag_s_max=%d\n", len(leases), len(lags),
		maxExp-minExp, lags[len(lags)-1])
	return nil
}

func countObjects(ctx context.Context, c client.Client) error {
	total := 0
	lists := []client.ObjectList{&api.WorkloadList{}, &api.DeploymentTargetList{}, &api.SchedulingPolicyList{},
		&api.EnvironmentLeaseList{}}
	for _, l := range lists {
		if err := c.List(ctx, l); err != nil {
			return err
		}
		total += metaLen(l)
	}
	for _, l := range []client.ObjectList{&appsv1.DeploymentList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{}} {
		if err := c.List(ctx, l, client.MatchingLabels{fleet.ManagedByLabel: fleet.ManagedByValue}); err != nil {
			return err
		}
		total += metaLen(l)
	}
	fmt.Println(total)
	return nil
}

func metaLen(l client.ObjectList) int {
	switch x := l.(type) {
	case *api.WorkloadList:
		return len(x.Items)
	case *api.DeploymentTargetList:
		return len(x.Items)
	case *api.SchedulingPolicyList:
		return len(x.Items)
	case *api.EnvironmentLeaseList:
		return len(x.Items)
	case *appsv1.DeploymentList:
		return len(x.Items)
	case *corev1.ServiceList:
		return len(x.Items)
	case *corev1.ConfigMapList:
		return len(x.Items)
	}
	return 0
}

// histogram prints count, p50, p99 (linear interpolation inside buckets, like
// histogram_quantile) and the upper bound of the highest non-empty bucket.
func histogram(url, name string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	type bucket struct{ le, n float64 }
	var buckets []bucket
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"_bucket{") {
			continue
		}
		i := strings.Index(line, `le="`)
		j := strings.Index(line[i+4:], `"`)
		le, _ := strconv.ParseFloat(line[i+4:i+4+j], 64)
		if line[i+4:i+4+j] == "+Inf" {
			le = math.Inf(1)
		}
		n, _ := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndex(line, " "):]), 64)
		buckets = append(buckets, bucket{le, n})
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].le < buckets[j].le })
	if len(buckets) == 0 || buckets[len(buckets)-1].n == 0 {
		return fmt.Errorf("histogram %s empty or missing at %s", name, url)
	}
	total := buckets[len(buckets)-1].n
	q := func(p float64) float64 {
		rank := p * total
		prevLe, prevN := 0.0, 0.0
		for _, b := range buckets {
			if b.n >= rank {
				if math.IsInf(b.le, 1) {
					return prevLe
				}
				return prevLe + (b.le-prevLe)*(rank-prevN)/math.Max(b.n-prevN, 1e-9)
			}
			prevLe, prevN = b.le, b.n
		}
		return prevLe
	}
	maxLe, prevN := 0.0, 0.0
	for _, b := range buckets {
		if b.n > prevN {
			maxLe = b.le
		}
		prevN = b.n
	}
	fmt.Printf("count=%.0f p50_ms=%.1f p99_ms=%.1f max_le_ms=%.0f\n", total, q(0.5)*1000, q(0.99)*1000, maxLe*1000)
	return nil
}
