// Package seed builds the benchmark's custom resources and runs work concurrently.
package seed

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/fleet"
)

// Client is an uncached client with no client-side rate limit.
func Client() (client.Client, *rest.Config) {
	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = -1, 0
	cfg.RateLimiter = nil
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = api.AddToScheme(s)
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	return c, cfg
}

// TargetName, WorkloadName and Namespace name the fleet's objects.
func TargetName(i int) string   { return fmt.Sprintf("bench-t%04d", i) }
func WorkloadName(i int) string { return fmt.Sprintf("bench-w%04d", i) }
func Namespace(i int) string    { return fmt.Sprintf("bench-ns-%04d", i) }

// Target is fleet target i: its own namespace, registry and channel.
func Target(i int) *api.DeploymentTarget {
	return &api.DeploymentTarget{
		TypeMeta: metaType("DeploymentTarget"),
		ObjectMeta: objMeta(TargetName(i), map[string]string{"bench.labfleet.dev/fleet": "true",
			"labfleet.dev/environment": fmt.Sprintf("env%d", i%3)}),
		Spec: api.DeploymentTargetSpec{Environment: fmt.Sprintf("env%d", i%3), Namespace: Namespace(i),
			Registry: fmt.Sprintf("registry.bench:5000/t%d", i), Channel: fmt.Sprintf("c%d", i)},
	}
}

// StormTarget is lease-storm target i: no policy selects it, so its leases move no workload.
func StormTarget(i int) *api.DeploymentTarget {
	return &api.DeploymentTarget{
		TypeMeta:   metaType("DeploymentTarget"),
		ObjectMeta: objMeta(fmt.Sprintf("storm-t%04d", i), map[string]string{"bench.labfleet.dev/storm": "true"}),
		Spec: api.DeploymentTargetSpec{Environment: "storm", Namespace: "bench-storm",
			// The notice comes well before the storm (storm.sh's lead is 120 s): the
			// scenario measures the expiries, not a wave of notices colliding with them.
			Leases: api.LeaseLimits{DefaultDuration: "1h", MaxDuration: "8h", NotifyBefore: "30s"}},
	}
}

// StormLeasePrefix begins every storm lease's name, and no other object's.
const StormLeasePrefix = "storm-l"

// StormLease is lease i on storm target i.
func StormLease(i int, duration string) *api.EnvironmentLease {
	return &api.EnvironmentLease{
		TypeMeta:   metaType("EnvironmentLease"),
		ObjectMeta: objMeta(fmt.Sprintf("%s%04d", StormLeasePrefix, i), nil),
		Spec: api.EnvironmentLeaseSpec{Target: fmt.Sprintf("storm-t%04d", i), Holder: "bench@example.com",
			Duration: duration, Reason: "lease storm"},
	}
}

// Workload is fleet workload i; it follows each target's channel.
func Workload(i int) *api.Workload {
	name := WorkloadName(i)
	replicas := int32(1)
	return &api.Workload{
		TypeMeta:   metaType("Workload"),
		ObjectMeta: objMeta(name, map[string]string{"bench.labfleet.dev/fleet": "true"}),
		Spec: api.WorkloadSpec{
			Images: api.Images{Workshop: api.Image{Repository: "workshops/" + name},
				Files: api.Image{Repository: "workshops/" + name + "-files", Port: 8080}},
			Workshop: api.RawJSON{Raw: []byte(`{"title":"` + name + `","image":"${WORKSHOP_IMAGE}",` +
				`"files":{"image":"${FILES_IMAGE}"},"session":{"env":[{"name":"LAB_ENVIRONMENT","value":"${ENVIRONMENT}"}]}}`)},
			Replicas: &replicas,
		},
	}
}

// ExpectedFilesImage is the files image a correct operator gives workload w on target t.
func ExpectedFilesImage(w, t int) string {
	return fleet.ImageRef(Target(t).Spec.Registry, Workload(w).Spec.Images.Files.Repository, Target(t).Spec.Channel)
}

// Policy pairs every fleet workload with every fleet target.
func Policy() *api.SchedulingPolicy {
	sel := map[string]string{"bench.labfleet.dev/fleet": "true"}
	p := &api.SchedulingPolicy{TypeMeta: metaType("SchedulingPolicy"), ObjectMeta: objMeta("bench-fleet", nil)}
	p.Spec.WorkloadSelector = labelSelector(sel)
	p.Spec.TargetSelector = labelSelector(sel)
	return p
}

// Parallel runs fn(0..n-1) on `workers` goroutines and returns the first error and the error count.
// While it runs, it tells stderr every 15 s how many of the n `what` are done, so a long step is
// never silent.
func Parallel(ctx context.Context, what string, n, workers int, fn func(ctx context.Context, i int) error) (error, int64) {
	var next, done, failures int64 = -1, 0, 0
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go reportProgress(stop, what, n, &done)
	defer close(stop)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					atomic.AddInt64(&failures, 1)
					once.Do(func() { first = err })
				}
				atomic.AddInt64(&done, 1)
			}
		}()
	}
	wg.Wait()
	return first, failures
}

func reportProgress(stop <-chan struct{}, what string, n int, done *int64) {
	start := time.Now()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			d := atomic.LoadInt64(done)
			fmt.Fprintf(os.Stderr, "  %s: %d of %d done (%.0f a second)\n", what, d, n,
				float64(d)/time.Since(start).Seconds())
		}
	}
}
