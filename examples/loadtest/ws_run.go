package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wsOptions configure the WebSocket scenario.
type wsOptions struct {
	Conns   []int         // idle connections per run, e.g. 1000 and 10000
	Events  int           // events in the burst
	Timeout time.Duration // how long every client may take to receive the burst
	Out     string        // markdown results file ("" for none)
	// CPUProfile and ServerCPUProfile, when set, are where the load
	// generator's and the server process's CPU profiles of the bursts go
	// (the server's file gets the connection count appended).
	CPUProfile, ServerCPUProfile string
}

// wsResult is one run of the scenario.
type wsResult struct {
	Conns             int           `json:"conns"`
	Events            int           `json:"events"`
	ConnectTook       time.Duration `json:"connect_took"`
	ServerBytesPer    float64       `json:"server_bytes_per_conn"`
	ServerHeapPer     float64       `json:"server_heap_per_conn"`
	ServerStackPer    float64       `json:"server_stack_per_conn"`
	ServerLivePer     float64       `json:"server_live_heap_per_conn"`
	ServerGoroutines  int           `json:"server_goroutines"`
	ClientBytesPer    float64       `json:"client_bytes_per_conn"`
	Delivered         int64         `json:"delivered"`
	Lost              int64         `json:"lost"`
	OutOfOrder        int64         `json:"out_of_order"`
	BurstTook         time.Duration `json:"burst_took"`
	P50, P99, Max     time.Duration
	PublishTook       time.Duration `json:"publish_took"`
	ServerConnections int           `json:"server_connections"`
}

// wsMain runs "loadtest ws [flags]" (the scenario) and "loadtest
// ws-server" (its server process).
func wsMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if args[0] == "ws-server" {
		profile := ""
		if len(args) == 3 && args[1] == "-cpuprofile" {
			profile = args[2]
		}
		if err := wsServe(ctx, os.Stdin, stdout, profile); err != nil {
			fmt.Fprintf(stderr, "loadtest ws-server: %v\n", err)
			return 1
		}
		return 0
	}
	fs := flag.NewFlagSet("loadtest ws", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conns := fs.String("conns", "1000,10000", "comma-separated idle connection counts, one run each")
	o := wsOptions{}
	fs.IntVar(&o.Events, "events", 100, "events in the burst")
	fs.DurationVar(&o.Timeout, "timeout", 2*time.Minute, "how long every client may take to receive the burst")
	fs.StringVar(&o.Out, "out", "/tmp/ws-load-results.md", "markdown results file (empty: none)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write the load generator's CPU profile of each burst to this file plus .<conns>")
	fs.StringVar(&o.ServerCPUProfile, "server-cpuprofile", "", "write the server process's CPU profile of each burst to this file plus .<conns>")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	for _, s := range splitList(*conns) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "loadtest ws: -conns: %q is not a positive number\n", s)
			return 2
		}
		o.Conns = append(o.Conns, n)
	}
	if o.Events <= 0 || len(o.Conns) == 0 {
		fmt.Fprintln(stderr, "loadtest ws: -events and -conns must be positive")
		return 2
	}
	if _, err := runWS(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "loadtest ws: %v\n", err)
		return 1
	}
	return 0
}

// runWS runs the scenario once per connection count and writes the table
// to out and to o.Out.
func runWS(ctx context.Context, o wsOptions, out io.Writer) ([]wsResult, error) {
	raiseFileLimit()
	var results []wsResult
	for _, n := range o.Conns {
		fmt.Fprintf(out, "ws: %d connections, burst of %d events...\n", n, o.Events)
		r, err := runWSOnce(ctx, n, o)
		if err != nil {
			return results, fmt.Errorf("%d connections: %w", n, err)
		}
		results = append(results, r)
	}
	table := wsTable(results)
	fmt.Fprint(out, table)
	if o.Out != "" {
		if err := os.WriteFile(o.Out, []byte(table), 0o644); err != nil {
			return results, fmt.Errorf("write %s: %w", o.Out, err)
		}
	}
	return results, nil
}

// wsServerProc is the server child process and its command pipe.
type wsServerProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	hello wsServerHello
}

func startWSServer(ctx context.Context, profile string) (*wsServerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"ws-server"}
	if profile != "" {
		args = append(args, "-cpuprofile", profile)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server process: %w", err)
	}
	p := &wsServerProc{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	if err := p.readJSON(&p.hello); err != nil {
		_ = p.stop()
		return nil, fmt.Errorf("server hello: %w", err)
	}
	return p, nil
}

func (p *wsServerProc) readJSON(v any) error {
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

func (p *wsServerProc) command(cmd string) error {
	_, err := fmt.Fprintln(p.in, cmd)
	return err
}

func (p *wsServerProc) mem() (wsMemStats, error) {
	var m wsMemStats
	if err := p.command("mem"); err != nil {
		return m, err
	}
	return m, p.readJSON(&m)
}

func (p *wsServerProc) stop() error {
	_ = p.command("quit")
	_ = p.in.Close()
	return p.cmd.Wait()
}

// wsConn is one client and what it received.
type wsConn struct {
	c         *leanWS
	fd        int    // the socket's descriptor, for the epoll receiver
	ownFD     bool   // fd is the receiver's own duplicate, to close
	msg       []byte // a fragmented message being put together
	inMessage bool   // a fragmented message is being put together
	done      bool   // every event in, or the connection failed
	lat       []time.Duration
	lastSeq   int64
	disorder  int64
}

func clientMem() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

func runWSOnce(ctx context.Context, n int, o wsOptions) (wsResult, error) {
	res := wsResult{Conns: n, Events: o.Events}
	profile := ""
	if o.ServerCPUProfile != "" {
		profile = o.ServerCPUProfile + "." + strconv.Itoa(n)
	}
	srv, err := startWSServer(ctx, profile)
	if err != nil {
		return res, err
	}
	defer func() { _ = srv.stop() }()
	before, err := srv.mem()
	if err != nil {
		return res, err
	}
	clientBefore := clientMem()

	conns := make([]*wsConn, n)
	start := time.Now()
	if err := dialAll(ctx, srv.hello, conns); err != nil {
		return res, err
	}
	res.ConnectTook = time.Since(start)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}()
	after, err := srv.mem()
	if err != nil {
		return res, err
	}
	res.ClientBytesPer = float64(int64(clientMem())-int64(clientBefore)) / float64(n)
	res.ServerHeapPer = float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	res.ServerStackPer = float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
	res.ServerBytesPer = res.ServerHeapPer + res.ServerStackPer
	res.ServerLivePer = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	res.ServerGoroutines = after.Goroutines
	res.ServerConnections = after.Connections

	var received atomic.Int64
	var wg sync.WaitGroup
	defer wg.Wait() // the receiver is done before the sockets close
	rctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	stopTimeout := context.AfterFunc(rctx, func() {
		for _, c := range conns {
			_ = c.c.close() // ends the receivers that did not get every event
		}
	})
	defer stopTimeout()
	for _, c := range conns {
		c.lat = make([]time.Duration, 0, o.Events)
	}
	recv := newReceiver(conns)
	wg.Go(func() { recv.run(rctx, o.Events, &received) })
	stopProfile := func() {}
	if o.CPUProfile != "" {
		stop, err := startProfile(o.CPUProfile + "." + strconv.Itoa(n))
		if err != nil {
			return res, err
		}
		stopProfile = sync.OnceFunc(stop)
		defer stopProfile()
	}
	burst := time.Now()
	if err := srv.command("publish " + strconv.Itoa(o.Events)); err != nil {
		return res, err
	}
	line, err := srv.out.ReadString('\n')
	if err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	done := strings.TrimSpace(line)
	res.PublishTook = time.Since(burst)
	if done != "done" {
		return res, fmt.Errorf("publish answered %q", done)
	}
	wg.Wait()
	res.BurstTook = time.Since(burst)
	stopProfile()
	all := make([]time.Duration, 0, n*o.Events)
	for _, c := range conns {
		all = append(all, c.lat...)
		res.OutOfOrder += c.disorder
	}
	res.Delivered = received.Load()
	res.Lost = int64(n*o.Events) - res.Delivered
	slices.Sort(all)
	if len(all) > 0 {
		res.P50 = all[len(all)/2]
		res.P99 = all[min(len(all)-1, len(all)*99/100)]
		res.Max = all[len(all)-1]
	}
	return res, nil
}

// dialAll connects every client (64 at a time), each subscribed to the
// topic and acknowledged.
func dialAll(ctx context.Context, hello wsServerHello, conns []*wsConn) error {
	hdr := http.Header{"Authorization": {"Bearer " + hello.Token}}
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "topics": []string{hello.Topic}})
	sem := make(chan struct{}, 64)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := dialLean(dctx, hello.URL, hdr)
			if err == nil {
				if err = subscribeLean(c, sub); err != nil {
					_ = c.close()
				}
			}
			if err != nil {
				select {
				case errs <- fmt.Errorf("client %d: %w", i, err):
				default:
				}
				return
			}
			conns[i] = &wsConn{c: c}
		})
		select {
		case err := <-errs:
			wg.Wait()
			return err
		default:
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// close closes the connection and the receiver's descriptor of it.
func (c *wsConn) close() {
	_ = c.c.close()
	c.closeFD()
}

// subscribeLean sends the subscribe message and waits for its answer.
func subscribeLean(c *leanWS, sub []byte) error {
	if err := c.writeText(sub); err != nil {
		return err
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer func() { _ = c.conn.SetReadDeadline(time.Time{}) }()
	b, err := c.read(nil)
	if err != nil {
		return err
	}
	var ack struct{ Type string }
	if json.Unmarshal(b, &ack) != nil || ack.Type != "subscribed" {
		return fmt.Errorf("subscribe answered %s", b)
	}
	return nil
}

// receive reads until m events arrived, into one reused buffer, with no
// deadline (runWSOnce closes the sockets at the timeout instead).
func (c *wsConn) receive(m int, received *atomic.Int64) {
	buf := make([]byte, 0, 512)
	for len(c.lat) < m {
		b, err := c.c.read(buf)
		if err != nil {
			return
		}
		buf = b
		c.record(b, time.Now(), received)
	}
}

// jsonInt is the integer after the first key (with its colon) in b, and
// where it ends.
func jsonInt(b []byte, key string) (v int64, end int, ok bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, 0, false
	}
	j := i + len(key)
	neg := j < len(b) && b[j] == '-'
	if neg {
		j++
	}
	start := j
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9' && j-start < 19; j++ {
		v = v*10 + int64(b[j]-'0')
	}
	if j == start {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, j, true
}

// wsTable renders the results as markdown.
func wsTable(rs []wsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## WebSocket hub: idle connections and a burst (%s, %d CPUs, %s)\n\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	b.WriteString("Server and clients run in separate processes on loopback; memory is the server process's heap+stack in use after GC, " +
		"minus its value before any connection, divided by the connections (each authenticated and subscribed to one campaign topic); " +
		"\"live heap\" counts only live objects (HeapAlloc), \"heap\" whole spans in use (HeapInuse, closer to RSS). Client memory is the load generator's own, shown apart. " +
		"Latency is from just before Publisher.Publish (SQLite append + in-process Bus) to the client's read, over every (client, event) pair.\n\n")
	b.WriteString("| connections | events | server KiB/conn (heap + stack) | server live heap + stack KiB/conn | server goroutines | client KiB/conn | connect all | delivered | lost | out of order | p50 | p99 | max | burst done | publish of burst |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %d | %d | %.1f (%.1f + %.1f) | %.1f | %d | %.1f | %v | %d | %d | %d | %v | %v | %v | %v | %v |\n",
			r.Conns, r.Events, r.ServerBytesPer/1024, r.ServerHeapPer/1024, r.ServerStackPer/1024,
			(r.ServerLivePer+r.ServerStackPer)/1024, r.ServerGoroutines, r.ClientBytesPer/1024,
			r.ConnectTook.Round(time.Millisecond), r.Delivered, r.Lost, r.OutOfOrder,
			r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond), r.Max.Round(100*time.Microsecond),
			r.BurstTook.Round(time.Millisecond), r.PublishTook.Round(time.Millisecond))
	}
	b.WriteString("\nTargets (issue 4): under 20 KiB per idle connection; p99 under 250 ms at 10,000; zero lost events.\n")
	return b.String()
}
