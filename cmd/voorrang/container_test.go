package main

import (
	"flag"
	"io"
	"net"
	neturl "net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// dockerInstruction is one instruction of a Dockerfile, its continuation
// lines joined.
type dockerInstruction struct {
	op   string
	args string
}

func readDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	cont := ""
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cont += s + " "
			continue
		}
		line, cont = strings.TrimSpace(cont+line), ""
		if line == "" {
			continue
		}
		op, args, _ := strings.Cut(line, " ")
		out = append(out, dockerInstruction{strings.ToUpper(op), strings.TrimSpace(args)})
	}
	return out
}

// execForm reads an instruction's JSON array form (["a", "b"]).
func execForm(t *testing.T, args string) []string {
	t.Helper()
	var v []string
	if err := yaml.Unmarshal([]byte(args), &v); err != nil || len(v) == 0 {
		t.Fatalf("%q is not an exec-form array: %v", args, err)
	}
	return v
}

// serveFlags parses args as serve's flags, with env as the environment.
func serveFlags(t *testing.T, args []string, env map[string]string) serveConfig {
	t.Helper()
	var cfg serveConfig
	fs := newFlagSet("voorrang serve", io.Discard)
	cfg.register(fs)
	if err := parseFlags(fs, args, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("serve %v with %v: %v", args, env, err)
	}
	return cfg
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return port
}

// TestContainerFiles checks the Dockerfile and compose.yaml against the
// code, as no container runtime runs here: the Go release go.mod asks for
// builds the binary, the command the image runs is serve with flags it
// has, on the ports the image exposes; compose's services set flags that
// exist through their environment variables, reach the Redis service, and
// that Redis keeps its data and never evicts a study.
func TestContainerFiles(t *testing.T) {
	_ = version // the Dockerfile sets it with -X main.version
	ins := readDockerfile(t)
	goMod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	var (
		froms, exposed []string
		entrypoint     []string
		cmd            []string
		builtTo        string
		copiedTo       string
	)
	for _, in := range ins {
		switch in.op {
		case "FROM":
			froms = append(froms, in.args)
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "ENTRYPOINT":
			entrypoint = execForm(t, in.args)
		case "CMD":
			cmd = execForm(t, in.args)
		case "RUN":
			if m := regexp.MustCompile(`go build .*-o (\S+) (\./\S+)$`).FindStringSubmatch(in.args); m != nil {
				builtTo = m[1]
				if m[2] != "./cmd/voorrang" {
					t.Errorf("the image builds %s, want ./cmd/voorrang", m[2])
				}
			}
		case "COPY":
			if f := strings.Fields(in.args); len(f) == 3 && f[0] == "--from=build" {
				if f[1] != builtTo {
					t.Errorf("COPY takes %s from the build, which wrote %s", f[1], builtTo)
				}
				copiedTo = f[2]
			}
		}
	}
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "golang:"+string(goVersion[1])+"-") {
		t.Errorf("stages %v: want a golang:%s build stage (go.mod) and a runtime stage", froms, goVersion[1])
	}
	if builtTo == "" {
		t.Error("the Dockerfile builds no binary")
	}
	if len(entrypoint) == 0 || entrypoint[0] != copiedTo {
		t.Errorf("ENTRYPOINT %v, want the binary copied from the build, %s", entrypoint, copiedTo)
	}
	if len(cmd) == 0 || cmd[0] != "serve" {
		t.Fatalf("CMD %v, want serve", cmd)
	}
	image := serveFlags(t, cmd[1:], nil)
	ports := []string{portOf(t, image.httpAddr), portOf(t, image.mllpAddr)}
	if !slices.Equal(exposed, ports) {
		t.Errorf("EXPOSE %v, want the ports serve listens on: %v", exposed, ports)
	}

	data, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			DependsOn   map[string]any    `yaml:"depends_on"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	redisSvc, ok := compose.Services["redis"]
	if !ok {
		t.Fatal("compose.yaml has no redis service")
	}
	conf := strings.Join(redisSvc.Command, " ")
	for _, want := range []string{"--appendonly yes", "--maxmemory-policy noeviction"} {
		if !strings.Contains(conf, want) {
			t.Errorf("the redis service's command %q lacks %q", conf, want)
		}
	}
	instances := 0
	for name, svc := range compose.Services {
		if !strings.HasPrefix(name, "voorrang") {
			continue
		}
		instances++
		if svc.Build != "" && svc.Build != "." {
			t.Errorf("%s builds %q, want . (the Dockerfile)", name, svc.Build)
		}
		if _, ok := svc.DependsOn["redis"]; !ok {
			t.Errorf("%s does not wait for redis", name)
		}
		env := map[string]string{}
		for k, v := range svc.Environment {
			env[k] = regexp.MustCompile(`\$\{[^}]*\}`).ReplaceAllString(v, "x:integration:compose-check-token-0123456789abcdefghij")
		}
		cfg := serveFlags(t, cmd[1:], env)
		known := map[string]bool{"VOORRANG_REDIS_URL": true}
		fs := newFlagSet("voorrang serve", io.Discard)
		(&serveConfig{}).register(fs)
		fs.VisitAll(func(f *flag.Flag) { known[envName(f.Name)] = true })
		for k := range env {
			if !known[k] {
				t.Errorf("%s sets %s, which no flag of serve reads", name, k)
			}
		}
		u, err := neturl.Parse(cfg.redisURL)
		if err != nil || u.Hostname() != "redis" {
			t.Errorf("%s: --redis %q, want the redis service", name, cfg.redisURL)
		}
		for _, p := range svc.Ports {
			parts := strings.Split(p, ":")
			if inner := parts[len(parts)-1]; !slices.Contains(ports, inner) {
				t.Errorf("%s publishes %s, a port the image does not listen on (%v)", name, p, ports)
			}
		}
	}
	if instances < 2 {
		t.Errorf("compose.yaml runs %d instances of the service; the example shows several on one Redis", instances)
	}
}
