// Command hostcost measures what one remote operation costs the lab hosts
// in CPU time: a new SSH connection, an exec session, an SFTP request. CPU
// time, not wall time, because on the bench machine the hosts share the
// controller's CPUs with other jobs, and what a run costs there is what
// the hosts spend (docs/bench.md, "Where the time goes").
//
//	PLAY_LAB_INVENTORY_OUT=/tmp/hc.ini lab/lab.sh up 3 --prefix hc --group hc --ip-base 140
//	go run ./bench/cmd/hostcost -prefix hc -inventory /tmp/hc.ini
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sync"

	"github.com/playbook/play/bench"
	"github.com/playbook/play/engine/conn"
)

var hostLine = regexp.MustCompile(`(?m)^(\S+)\s+ansible_host=(\S+)`)

func main() {
	prefix := flag.String("prefix", "", "lab host prefix (lab.sh --prefix): whose CPU is measured")
	inventory := flag.String("inventory", "", "lab.sh's inventory for those hosts (PLAY_LAB_INVENTORY_OUT)")
	n := flag.Int("n", 10, "operations per host per measurement")
	flag.Parse()
	if *prefix == "" || *inventory == "" {
		flag.Usage()
		os.Exit(5)
	}
	b, err := os.ReadFile(*inventory)
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	var hosts []conn.Options
	for _, m := range hostLine.FindAllStringSubmatch(string(b), -1) {
		hosts = append(hosts, conn.Options{Host: m[1], Address: m[2], User: "root",
			PrivateKeyFile: "/var/lib/play-lab/id_ed25519", KnownHostsFile: "/var/lib/play-lab/known_hosts"})
	}
	if len(hosts) == 0 {
		fail(fmt.Errorf("no hosts in %s", *inventory))
	}

	// measure runs op n times on every host at once and prints the hosts'
	// CPU time per operation.
	measure := func(name string, perOp int, op func(o conn.Options, i int)) {
		before, err := bench.LabHostsCPU(*prefix)
		if err != nil {
			fail(err)
		}
		var wg sync.WaitGroup
		for _, o := range hosts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < *n*perOp; i++ {
					op(o, i)
				}
			}()
		}
		wg.Wait()
		after, err := bench.LabHostsCPU(*prefix)
		if err != nil {
			fail(err)
		}
		ops := float64(*n * perOp * len(hosts))
		fmt.Printf("%-34s %7.2f ms host CPU per operation (%d)\n", name, (after-before).Seconds()*1000/ops, int(ops))
	}
	dial := func(o conn.Options) *conn.SSHConn {
		c, err := conn.DialSSH(ctx, o)
		if err != nil {
			fail(err)
		}
		return c
	}
	run := func(c *conn.SSHConn, cmd string) {
		if _, err := c.Run(ctx, conn.Cmd{Command: cmd}); err != nil {
			fail(err)
		}
	}
	measure("connection (dial, close)", 1, func(o conn.Options, _ int) { dial(o).Close() })
	measure("connection + one SFTP lstat", 1, func(o conn.Options, _ int) {
		c := dial(o)
		if _, err := c.Stat(ctx, "/", conn.Become{}); err != nil {
			fail(err)
		}
		c.Close()
	})
	conns := map[string]*conn.SSHConn{}
	for _, o := range hosts {
		c := dial(o)
		run(c, "true") // warm: the first command of a connection is not typical
		if _, err := c.Stat(ctx, "/etc/hostname", conn.Become{}); err != nil {
			fail(err)
		}
		conns[o.Host] = c
	}
	measure("exec session: true", 1, func(o conn.Options, _ int) { run(conns[o.Host], "true") })
	measure("exec session: stat+sha1sum script", 1, func(o conn.Options, _ int) {
		run(conns[o.Host], `p=/etc/hostname; stat -c '%f %s %u %g' -- "$p"; sha1sum < "$p"`)
	})
	measure("SFTP lstat (1 request)", 20, func(o conn.Options, _ int) {
		if _, err := conns[o.Host].Stat(ctx, "/etc/hostname", conn.Become{}); err != nil {
			fail(err)
		}
	})
	measure("SFTP read of a small file", 5, func(o conn.Options, _ int) {
		if _, err := conns[o.Host].ReadFile(ctx, "/etc/hostname", conn.Become{}); err != nil {
			fail(err)
		}
	})
	for _, c := range conns {
		s := c.Stats()
		fmt.Printf("%s: %d exec sessions, %d SFTP requests %v\n", s.Host, s.Sessions, s.SFTPOps, s.SFTP)
		c.Close()
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "hostcost:", err)
	os.Exit(1)
}
