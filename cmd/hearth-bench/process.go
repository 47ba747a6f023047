package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for counting what Hearth stored
	_ "modernc.org/sqlite"             // SQLite driver for the same

	"github.com/hearthlive/hearth/internal/redact"
)

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ),
// 100 on every Linux architecture Go supports.
const clockTick = 100

// procStats are a process's resource figures read from /proc.
type procStats struct {
	CPU    time.Duration // user + system time so far
	RSS    int64         // resident set, bytes
	PeakRS int64         // peak resident set (VmHWM), bytes
}

func readProc(pid int) (procStats, error) {
	var s procStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	s.CPU = time.Duration(ut+st) * time.Second / clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.RSS = kb << 10
		case "VmHWM":
			s.PeakRS = kb << 10
		}
	}
	return s, nil
}

// machine describes where the bench ran.
type machine struct {
	Cores     int    `json:"cores"`
	CPU       string `json:"cpu"`
	MemoryGiB int64  `json:"memory_gib"`
	Go        string `json:"go"`
	Kernel    string `json:"kernel"`
	Load      string `json:"load_average_at_start"`
	Node      string `json:"node,omitempty"`
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				m.MemoryGiB = (kb + 1<<19) >> 20
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	return m
}

// hearthProc is one `hearth serve` process under test.
type hearthProc struct {
	cmd     *exec.Cmd
	http    string // base URL
	admin   string
	started time.Time
	exited  chan error
	logPath string
}

// startHearth starts `hearth serve` reading chat anonymously from ircAddr.
func startHearth(bin, dir, ircAddr, dbURL string, channels []string, extraEnv ...string) (*hearthProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("hearth-%d.log", time.Now().UnixNano()))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	p := &hearthProc{http: "http://127.0.0.1:" + strconv.Itoa(port), admin: "bench-admin-token", exited: make(chan error, 1), logPath: logPath}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(),
		"HEARTH_TWITCH_IRC_ADDR="+ircAddr,
		"HEARTH_TWITCH_IRC_TLS=false",
		"HEARTH_TWITCH_API_URL=http://127.0.0.1:1/helix",
		"HEARTH_TWITCH_AUTH_URL=http://127.0.0.1:1/oauth2",
		"HEARTH_TWITCH_EVENTSUB_URL=ws://127.0.0.1:1/ws",
		"HEARTH_CHANNELS="+strings.Join(channels, ","),
		"HEARTH_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"HEARTH_DATABASE_URL="+dbURL,
		"HEARTH_ADMIN_TOKEN="+p.admin,
		"HEARTH_SECRET_KEY="+strings.Repeat("ab", 32),
		"HEARTH_LOG_LEVEL=warn",
	)
	p.cmd.Env = append(p.cmd.Env, extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { p.exited <- p.cmd.Wait(); logf.Close() }()
	return p, nil
}

func (p *hearthProc) pid() int { return p.cmd.Process.Pid }

func (p *hearthProc) stats() procStats {
	s, _ := readProc(p.pid())
	return s
}

// waitReady waits for /readyz to answer 200 and returns how long after the
// start it did.
func (p *hearthProc) waitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			return 0, fmt.Errorf("hearth exited before it was ready: %v (log: %s)", err, p.tail())
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
		}
		resp, err := http.Get(p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started), nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("hearth not ready after %s (log: %s)", timeout, p.tail())
}

func (p *hearthProc) tail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// metrics returns the sum over label sets of each sample in /metrics.
func (p *hearthProc) metrics() (map[string]float64, error) {
	resp, err := http.Get(p.http + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

// get fetches an admin route.
func (p *hearthProc) get(path string, w io.Writer) error {
	req, _ := http.NewRequest(http.MethodGet, p.http+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// profile writes a CPU profile of hearth over the next d to path.
func (p *hearthProc) profile(path string, d time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = p.get("/debug/pprof/profile?seconds="+strconv.Itoa(max(int(d.Seconds()), 1)), f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// overlayToken returns a channel's overlay token from the admin API.
func (p *hearthProc) overlayToken(channel string) (string, error) {
	var b strings.Builder
	if err := p.get("/api/v1/channels", &b); err != nil {
		return "", err
	}
	var body struct {
		Channels []struct {
			Name         string `json:"name"`
			OverlayToken string `json:"overlay_token"`
		} `json:"channels"`
	}
	var list []struct {
		Name         string `json:"name"`
		OverlayToken string `json:"overlay_token"`
	}
	if err := json.Unmarshal([]byte(b.String()), &body); err != nil || len(body.Channels) == 0 {
		if err := json.Unmarshal([]byte(b.String()), &list); err != nil {
			return "", fmt.Errorf("bench: unexpected /api/v1/channels answer: %.200s", b.String())
		}
		body.Channels = list
	}
	for _, c := range body.Channels {
		if c.Name == channel {
			return c.OverlayToken, nil
		}
	}
	return "", fmt.Errorf("bench: channel %s not in /api/v1/channels", channel)
}

// stop ends hearth with SIGTERM, as an operator would, and waits for it.
func (p *hearthProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("hearth exited with %v (log: %s)", err, p.tail())
		}
		return err
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("hearth did not stop within 60 s of SIGTERM; killed")
	}
}

// storeCounter reads what Hearth has written, from outside.
type storeCounter struct {
	db *sql.DB
	pg bool
}

func openStore(dbURL string) (*storeCounter, error) {
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		db, err := openPostgres(dbURL)
		return &storeCounter{db: db, pg: true}, err
	}
	path := strings.TrimPrefix(dbURL, "sqlite://")
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	return &storeCounter{db: db}, err
}

// count returns the chat messages and viewers stored for channels whose
// name starts with prefix.
func (s *storeCounter) count(ctx context.Context, prefix string) (messages, viewers int64, err error) {
	q := "SELECT COALESCE(SUM(messages), 0), COUNT(*) FROM viewers WHERE channel LIKE ?"
	if s.pg {
		q = "SELECT COALESCE(SUM(messages), 0), COUNT(*) FROM viewers WHERE channel LIKE $1"
	}
	err = s.db.QueryRowContext(ctx, q, prefix+"%").Scan(&messages, &viewers)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return 0, 0, nil
	}
	return messages, viewers, err
}

// viewers returns how many viewers are stored for channels whose name
// starts with prefix. It counts the primary key's range, not the rows,
// so a million viewers cost the bench little while it polls.
func (s *storeCounter) viewers(ctx context.Context, prefix string) (int64, error) {
	q := "SELECT COUNT(*) FROM viewers WHERE channel >= ? AND channel < ?"
	if s.pg {
		q = "SELECT COUNT(*) FROM viewers WHERE channel >= $1 AND channel < $2"
	}
	var n int64
	// Channel names are lower-case letters, digits and underscores, all
	// before '~'.
	err := s.db.QueryRowContext(ctx, q, prefix, prefix+"~").Scan(&n)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return 0, nil
	}
	return n, err
}

func (s *storeCounter) close() { _ = s.db.Close() }

// openPostgres opens the PostgreSQL database at dbURL. It reads the URL
// first, so that a URL pgx cannot use is an error here, shown with its
// secrets hidden, rather than at the first query with pgx's own quote of it.
func openPostgres(dbURL string) (*sql.DB, error) {
	if _, err := pgx.ParseConfig(dbURL); err != nil {
		return nil, fmt.Errorf("database %s: %s", redact.URL(dbURL), redact.Text(err.Error(), dbURL))
	}
	return sql.Open("pgx", dbURL)
}

// removeChannels deletes from the PostgreSQL database at dbURL the
// channels whose name starts with prefix, and with them, by the schema's
// cascades, their viewers, streams, polls and recaps; it returns how many
// channels went.
func removeChannels(dbURL, prefix string) (int64, error) {
	db, err := openPostgres(dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := db.ExecContext(ctx, "DELETE FROM channels WHERE name >= $1 AND name < $2", prefix, prefix+"~")
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
