package seed

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"labfleet.dev/bench/peer-go/api"
)

func metaType(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: api.GroupVersion.String(), Kind: kind}
}

func objMeta(name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: labels}
}

func labelSelector(m map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: m}
}
