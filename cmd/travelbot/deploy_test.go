package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployFAQIsTheSeed keeps the FAQ that the Kubernetes base ships in its
// ConfigMap equal to the default FAQ compiled into the binary, so that the
// two never drift. After editing seeds/faq.yaml: cp seeds/faq.yaml deploy/base/faq.yaml
func TestDeployFAQIsTheSeed(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "seeds", "faq.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile(filepath.Join("..", "..", "deploy", "base", "faq.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seed, shipped) {
		t.Errorf("deploy/base/faq.yaml differs from seeds/faq.yaml; run: cp seeds/faq.yaml deploy/base/faq.yaml")
	}
}

// TestDeployManifestsRender renders the kustomize base and every overlay
// offline, as `kubectl kustomize` does in CI, and checks the pieces the
// deployment relies on.
func TestDeployManifestsRender(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kubectl is missing; .ci/run installs it")
		}
		t.Skip("kubectl not installed: skipping the manifest render check")
	}
	dirs := []string{filepath.Join("..", "..", "deploy", "base")}
	overlays, _ := filepath.Glob(filepath.Join("..", "..", "deploy", "overlays", "*"))
	dirs = append(dirs, overlays...)
	if len(overlays) == 0 {
		t.Fatal("no overlays under deploy/overlays")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
			if err != nil {
				t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, out)
			}
			y := string(out)
			for _, want := range []string{"kind: Deployment", "kind: Service", "kind: ConfigMap", "readOnlyRootFilesystem: true", "path: /readyz", "path: /healthz", "runAsNonRoot: true"} {
				if !strings.Contains(y, want) {
					t.Errorf("%s renders without %q", dir, want)
				}
			}
			if strings.Contains(y, "kind: Secret") {
				t.Errorf("%s renders a Secret: applying it would overwrite the operator's tokens", dir)
			}
			switch filepath.Base(dir) {
			case "base":
				for _, want := range []string{"replicas: 3", "kind: PodDisruptionBudget", "topologySpreadConstraints"} {
					if !strings.Contains(y, want) {
						t.Errorf("base renders without %q", want)
					}
				}
			case "embedded":
				for _, want := range []string{"replicas: 1", "kind: PersistentVolumeClaim", "claimName: travelbot-data", "type: Recreate"} {
					if !strings.Contains(y, want) {
						t.Errorf("embedded overlay renders without %q", want)
					}
				}
				if strings.Contains(y, "kind: PodDisruptionBudget") {
					t.Error("embedded overlay keeps the PodDisruptionBudget: a single replica could never be drained")
				}
			}
		})
	}
}
