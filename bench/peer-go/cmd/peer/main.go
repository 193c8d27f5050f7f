// Command peer is the benchmark's controller-runtime peer of Labfleet: the same
// Workload and EnvironmentLease logic, written the way a platform team would
// write it with controller-runtime (Manager, Builder, informer cache, SSA).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"labfleet.dev/bench/peer-go/api"
	"labfleet.dev/bench/peer-go/fleet"
)

// FieldOwner is the server-side apply field manager of the peer.
const FieldOwner = "labfleet-peer"

func main() {
	var metricsAddr, probeAddr, leaderNamespace string
	var leaderElect bool
	var workers int
	var qps float64
	var burst int
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address of /metrics")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	flag.BoolVar(&leaderElect, "leader-elect", false, "elect a leader through a coordination.k8s.io Lease")
	flag.StringVar(&leaderNamespace, "leader-election-namespace", "default", "namespace of the leader Lease")
	flag.IntVar(&workers, "workers", 4, "concurrent reconciles per controller")
	flag.Float64Var(&qps, "kube-api-qps", 20, "client-side QPS limit towards the API server")
	flag.IntVar(&burst, "kube-api-burst", 30, "client-side burst towards the API server")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	// Accept the subcommand Labfleet takes, so the scenarios can call both the same way.
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "run" {
		args = args[1:]
	}
	if err := flag.CommandLine.Parse(args); err != nil {
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	must(clientgoscheme.AddToScheme(scheme))
	must(api.AddToScheme(scheme))

	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(qps), burst

	managed := labels.SelectorFromSet(labels.Set{fleet.ManagedByLabel: fleet.ManagedByValue})
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "peer.labfleet.dev",
		LeaderElectionNamespace: leaderNamespace,
		Cache: cache.Options{
			// Cache only what the peer manages, without managedFields: the usual memory advice.
			DefaultTransform: cache.TransformStripManagedFields(),
			ByObject: map[client.Object]cache.ByObject{
				&appsv1.Deployment{}: {Label: managed},
				&corev1.Service{}:    {Label: managed},
				&corev1.ConfigMap{}:  {Label: managed},
			},
		},
	})
	must(err)
	ctx := ctrl.SetupSignalHandler()

	must(mgr.GetFieldIndexer().IndexField(ctx, &api.EnvironmentLease{}, leaseTargetIndex,
		func(o client.Object) []string { return []string{o.(*api.EnvironmentLease).Spec.Target} }))
	must((&WorkloadReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("labfleet-peer")}).
		SetupWithManager(mgr, workers))
	must((&LeaseReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("labfleet-peer")}).
		SetupWithManager(mgr, workers))

	must(mgr.AddHealthzCheck("ping", func(*http.Request) error { return nil }))
	must(mgr.AddReadyzCheck("informers", informersSynced(mgr.GetCache(), scheme)))

	log.Info("starting manager")
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

// informersSynced is ready once the informer of every watched kind has synced.
func informersSynced(c cache.Cache, _ *runtime.Scheme) func(*http.Request) error {
	kinds := []client.Object{&api.Workload{}, &api.DeploymentTarget{}, &api.SchedulingPolicy{},
		&api.EnvironmentLease{}, &appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{}}
	return func(r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		for _, k := range kinds {
			inf, err := c.GetInformer(ctx, k, cache.BlockUntilSynced(false))
			if err != nil {
				return err
			}
			if !inf.HasSynced() {
				return fmt.Errorf("%T not synced", k)
			}
		}
		return nil
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
