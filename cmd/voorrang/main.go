// Command voorrang is the Voorrang reading-worklist service and its tools.
//
//	voorrang [serve] [flags]    run the service (the default)
//	voorrang send --to HOST:PORT FILE...
//	                            send HL7 files over MLLP and print each ACK
//	voorrang simulate --seed N --out DIR
//	                            write a synthetic day of both sites as .hl7 files
//	voorrang bench              measure ingest and worklist against the Redis floor
//	voorrang user add|passwd|disable|enable|signout|list
//	                            manage local accounts
//	voorrang token new NAME ROLE
//	                            make an integration token
//	voorrang whatif SCENARIO.yaml
//	                            simulate the reading room under each ranking policy
//	voorrang scenario           write a what-if scenario made from the store's turnaround records
//	voorrang rules              print the built-in triage rules
//	voorrang sections [--explain]
//	                            print the sections, or the section of each procedure in the store
//	voorrang version            print the version
//
// Every flag has an environment variable: --http is VOORRANG_HTTP, and so on
// (--redis is VOORRANG_REDIS; VOORRANG_REDIS_URL, its older name, still works).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the sites' time zones, also where the system has no zone database

	"github.com/voorrang/voorrang/triage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() { os.Exit(command()) }

// command runs the command line of the process and returns its exit code.
func command() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(os.Stderr, "voorrang:", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// run runs the subcommand named by args[0] (serve when there is none).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "send":
		return runSend(ctx, args, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, args, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, args, getenv, os.Stdin, stdout, stderr)
	case "token":
		return runToken(args, stdout, stderr)
	case "whatif":
		return runWhatif(ctx, args, getenv, stdout, stderr)
	case "scenario":
		return runScenario(ctx, args, getenv, stdout, stderr)
	case "sections":
		return runSections(ctx, args, getenv, stdout, stderr)
	case "rules":
		_, err := stdout.Write(triage.DefaultRulesYAML())
		return err
	case "version":
		fmt.Fprintln(stdout, "voorrang", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "voorrang: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

const usage = `Usage:
  voorrang [serve] [flags]             run the service (default)
  voorrang send --to HOST:PORT FILE... send HL7 files over MLLP, print each ACK
  voorrang simulate --seed N --out DIR write a synthetic day of both sites as .hl7 files
  voorrang bench [--redis URL]         measure ingest and worklist against the Redis floor
  voorrang user add|passwd|disable|enable|signout|list
                                       manage local accounts ("voorrang user" for help)
  voorrang token new NAME ROLE         make an integration token (VOORRANG_API_TOKENS)
  voorrang whatif [flags] SCENARIO     simulate the reading room under each ranking policy
  voorrang scenario [flags]            write a what-if scenario made from the store's turnaround records
  voorrang sections [--explain]        print the sections the panel filters by; with --explain,
                                       the section of each procedure waiting in the store
  voorrang rules                       print the built-in triage rules (a --rules file to start from)
  voorrang version                     print the version
Run "voorrang COMMAND -h" for a command's flags. Every flag can also be set
in the environment: --http as VOORRANG_HTTP, --log-format as VOORRANG_LOG_FORMAT.
`
