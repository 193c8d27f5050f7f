// Command floor is the benchmark's floor: the same server-side applies the
// operators issue for a fleet (ConfigMap, Deployment, Service per pair), sent
// by a bare concurrent client with nothing else going on. It expects the
// fleet's Workloads to exist (benchctl seed-fleet --policy=false) for their UIDs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/fleet"
	"labfleet.dev/bench/peer-go/internal/seed"
)

func main() {
	targets := flag.Int("targets", 10, "fleet targets")
	workloads := flag.Int("workloads", 1000, "fleet workloads")
	concurrency := flag.Int("concurrency", 64, "requests in flight")
	flag.Parse()
	c, _ := seed.Client()
	ctx := context.Background()

	ws := make([]*api.Workload, *workloads)
	for i := range ws {
		var w api.Workload
		if err := c.Get(ctx, types.NamespacedName{Name: seed.WorkloadName(i)}, &w); err != nil {
			fmt.Fprintln(os.Stderr, "error: workload:", err)
			os.Exit(1)
		}
		ws[i] = &w
	}
	pairs := *workloads * *targets
	start := time.Now()
	err, failures := seed.Parallel(ctx, "floor applies", pairs*3, *concurrency, func(ctx context.Context, i int) error {
		pair, kind := i/3, i%3
		w, t := ws[pair / *targets], seed.Target(pair%*targets)
		d, err := fleet.Build(w, t, fleet.Resolve(w, t, nil))
		if err != nil {
			return err
		}
		opts := []client.ApplyOption{client.FieldOwner("labfleet-floor"), client.ForceOwnership}
		switch kind {
		case 0:
			return c.Apply(ctx, d.ConfigMap, opts...)
		case 1:
			return c.Apply(ctx, d.Deployment, opts...)
		default:
			return c.Apply(ctx, d.Service, opts...)
		}
	})
	elapsed := time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %d applies failed, first: %v\n", failures, err)
		os.Exit(1)
	}
	fmt.Printf("applies=%d concurrency=%d seconds=%.2f per_second=%.0f\n", pairs*3, *concurrency, elapsed,
		float64(pairs*3)/elapsed)
}
