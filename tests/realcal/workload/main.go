// Command workload is the real program of flamegate's real-profile
// calibration (tests/realcal): a small service loop whose workers parse,
// validate, classify, hash, sort, marshal and count synthetic records for a
// fixed wall-clock time, writing a CPU profile and an allocation profile.
//
// -variant selects one known code change at run time (one binary, so the
// builds cannot differ in anything else); see README.md for what each one
// changes and how large it is.  Standard library only.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The knobs of the variants.  The defaults are the unchanged program;
// setVariant changes one of them.  They are package variables (read on every
// record) so that the compiler cannot specialise any code path away.
var (
	checksumRounds = 10    // hotleaf: 15 (x1.5)
	normRounds     = 5     // manycallers: 8 (x1.6)
	scratchSize    = 4096  // improve: 0 (the scratch stage is skipped)
	regexPerCall   = false // regex: compile a pattern in every matchRecord call
	debugLogOn     = false // debuglog: format a debug line per record
	marshalTwice   = false // marshal2: marshal every result twice
)

// checksumWindow is how many payload bytes checksum reads per round.
const checksumWindow = 112

var variants = []string{"none", "regex", "debuglog", "marshal2", "hotleaf", "manycallers", "improve", "long"}

func setVariant(v string) error {
	switch v {
	case "none", "long": // long: the unchanged program, recorded for longer
	case "regex":
		regexPerCall = true
	case "debuglog":
		debugLogOn = true
	case "marshal2":
		marshalTwice = true
	case "hotleaf":
		checksumRounds = 15
	case "manycallers":
		normRounds = 8
	case "improve":
		scratchSize = 0
	default:
		return fmt.Errorf("unknown variant %q (known: %s)", v, strings.Join(variants, " "))
	}
	return nil
}

// Record is one parsed input line.
type Record struct {
	ID      int64
	User    string
	Email   string
	Method  string
	Path    string
	Status  int
	Latency float64
	Tags    []string
	Payload []byte
}

// Result is what the service emits for a record (JSON).
type Result struct {
	ID       int64    `json:"id"`
	Key      string   `json:"key"`
	Class    string   `json:"class"`
	Valid    bool     `json:"valid"`
	Digest   string   `json:"digest"`
	Checksum uint32   `json:"checksum"`
	Tags     []string `json:"tags"`
	Latency  float64  `json:"latency_ms"`
	Status   int      `json:"status"`
}

type logCtx struct {
	Method  string
	Status  int
	Latency float64
	Valid   bool
}

// ---------------------------------------------------------------------------
// Input generation (deterministic: math/rand with a fixed seed).

var (
	firstNames = []string{"Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter"}
	domains    = []string{"example.com", "example.org", "mail.test", "corp.example.net", "users.invalid"}
	methods    = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"}
	resources  = []string{"items", "users", "orders", "carts", "admin/settings", "static/img", "search"}
	tagWords   = []string{"mobile", "web", "beta", "eu-west", "us-east", "cached", "retry", "slow", "gzip", "http2", "internal", "partner", "batch", "canary", "ipv6", "tls13"}
	statuses   = []int{200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 429, 500, 503}
)

func genLines(n int, seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	lines := make([]string, n)
	var sb strings.Builder
	payload := make([]byte, 1024)
	for i := range lines {
		sb.Reset()
		name := firstNames[rng.Intn(len(firstNames))]
		num := rng.Intn(1000)
		// Some fields carry spaces and mixed case so that normalizeField
		// has work to do.
		fmt.Fprintf(&sb, "id=%d|user= %s_%d |email=%s.%d@%s|method=%s|path=/api/v%d/%s/%d",
			1000000+i, name, num, strings.ToLower(name), num, domains[rng.Intn(len(domains))],
			methods[rng.Intn(len(methods))], 1+rng.Intn(2), resources[rng.Intn(len(resources))], rng.Intn(100000))
		if rng.Intn(4) == 0 {
			sb.WriteString("/details")
		}
		fmt.Fprintf(&sb, "|status=%d|latency=%.3f|tags=", statuses[rng.Intn(len(statuses))], rng.ExpFloat64()*25)
		nt := 3 + rng.Intn(6)
		for t := 0; t < nt; t++ {
			if t > 0 {
				sb.WriteByte(',')
			}
			w := tagWords[rng.Intn(len(tagWords))]
			if rng.Intn(3) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			sb.WriteString(w)
		}
		pl := 192 + rng.Intn(384)
		rng.Read(payload[:pl])
		sb.WriteString("|payload=")
		sb.WriteString(hex.EncodeToString(payload[:pl]))
		lines[i] = sb.String()
	}
	return lines
}

// ---------------------------------------------------------------------------
// The record pipeline.  Every stage is its own non-inlined function so that
// it appears in profiles under its own name.

//go:noinline
func parseRecord(line string) (*Record, error) {
	rec := &Record{}
	for _, field := range strings.Split(line, "|") {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return nil, fmt.Errorf("field without '=': %q", field)
		}
		var err error
		switch k {
		case "id":
			rec.ID, err = strconv.ParseInt(v, 10, 64)
		case "user":
			rec.User = v
		case "email":
			rec.Email = v
		case "method":
			rec.Method = v
		case "path":
			rec.Path = v
		case "status":
			rec.Status, err = strconv.Atoi(v)
		case "latency":
			rec.Latency, err = strconv.ParseFloat(v, 64)
		case "tags":
			rec.Tags = strings.Split(v, ",")
		case "payload":
			rec.Payload, err = hex.DecodeString(v)
		default:
			err = fmt.Errorf("unknown field %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// normalizeField canonicalises a text field: trims blanks, lower-cases ASCII,
// maps separators to '-', and folds the result into a short fingerprint,
// normRounds times (the "manycallers" variant makes it do 1.6x the work).
// It is called from seven functions (validateUser, validateEmail,
// validateMethod, validatePath, buildKey, matchRecord, aggregate).
//
//go:noinline
func normalizeField(s string) string {
	var buf [96]byte
	n := 0
	var fp uint32 = 2166136261
	for r := 0; r < normRounds; r++ {
		n = 0
		start, end := 0, len(s)
		for start < end && (s[start] == ' ' || s[start] == '\t') {
			start++
		}
		for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
			end--
		}
		for i := start; i < end && n < len(buf); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c == '_' || c == ' ' || c == '/' || c == '.':
				c = '-'
			}
			buf[n] = c
			n++
			fp = (fp ^ uint32(c)) * 16777619
		}
	}
	if n < len(buf) && fp&0xff == 0 {
		buf[n] = '~'
		n++
	}
	return string(buf[:n])
}

//go:noinline
func validateUser(rec *Record) bool {
	u := normalizeField(rec.User)
	return len(u) >= 3 && len(u) <= 64
}

//go:noinline
func validateEmail(rec *Record) bool {
	e := normalizeField(rec.Email)
	at := strings.IndexByte(e, '@')
	return at > 0 && strings.Contains(e[at:], "-")
}

//go:noinline
func validateMethod(rec *Record) bool {
	switch normalizeField(rec.Method) {
	case "get", "post", "put", "delete", "patch":
		return true
	}
	return false
}

//go:noinline
func validatePath(rec *Record) bool {
	p := normalizeField(rec.Path)
	return strings.HasPrefix(p, "-api-v")
}

//go:noinline
func validateTags(rec *Record) bool {
	for _, t := range rec.Tags {
		if strings.TrimSpace(t) == "" {
			return false
		}
	}
	return len(rec.Tags) > 0
}

//go:noinline
func validateRecord(rec *Record) bool {
	ok := validateUser(rec)
	ok = validateEmail(rec) && ok
	ok = validateMethod(rec) && ok
	ok = validatePath(rec) && ok
	ok = validateTags(rec) && ok
	return ok && rec.Status >= 100 && rec.Status < 600 && rec.Latency >= 0
}

//go:noinline
func buildKey(rec *Record) string {
	return normalizeField(rec.Method) + " " + normalizeField(rec.User) + " " + strconv.Itoa(rec.Status/100) + "xx"
}

// The pattern the "regex" variant compiles in every call (a typical mistake:
// regexp.MustCompile inside the function instead of at package level).
const routePattern = `^/api/v[12]/(items|users)/`

//go:noinline
func matchRecord(rec *Record) string {
	class := "other"
	switch {
	case strings.HasPrefix(rec.Path, "/api/v1/admin") || strings.HasPrefix(rec.Path, "/api/v2/admin"):
		class = "admin"
	case strings.Contains(rec.Path, "/static/"):
		class = "static"
	case rec.Method == "GET" && strings.HasSuffix(rec.Path, "/details"):
		class = "detail-read"
	case rec.Method == "GET":
		class = "read"
	case rec.Status >= 500:
		class = "error"
	default:
		class = "write"
	}
	if regexPerCall {
		re := regexp.MustCompile(routePattern)
		if m := re.FindStringSubmatch(rec.Path); m != nil {
			class += "-" + m[1]
		}
	}
	if strings.HasSuffix(normalizeField(rec.Email), "example-com") {
		class += "-internal"
	}
	return class
}

//go:noinline
func hashPayload(p []byte) string {
	// A few rounds so that sha256 is a large, single hot leaf, as in many
	// real services (content addressing, signatures).
	sum := sha256.Sum256(p)
	inner := make([]byte, 0, len(sum)+len(p))
	inner = append(append(inner, sum[:]...), p...)
	sum = sha256.Sum256(inner)
	return hex.EncodeToString(sum[:])
}

// checksum is the hottest function of our own code: an Adler/Fletcher-like
// loop over the first checksumWindow bytes of the payload, checksumRounds
// times ("hotleaf": x1.5).
//
//go:noinline
func checksum(p []byte) uint32 {
	var a, b uint32 = 1, 0
	if len(p) > checksumWindow {
		p = p[:checksumWindow]
	}
	for r := 0; r < checksumRounds; r++ {
		for _, c := range p {
			a = (a + uint32(c)*2654435761) % 65521
			b = (b + a) % 65521
		}
	}
	return b<<16 | a
}

// stageScratch copies the payload into a per-record scratch buffer and
// splits it into frames: allocation-heavy work that the "improve" variant
// removes (the allocator and GC shrink with it).
//
//go:noinline
func stageScratch(p []byte) uint64 {
	if scratchSize == 0 || len(p) == 0 {
		return 0
	}
	buf := make([]byte, scratchSize)
	for off := 0; off < len(buf); {
		off += copy(buf[off:], p)
	}
	frames := make([][]byte, 0, 8)
	for off := 0; off+512 <= len(buf); off += 512 {
		f := make([]byte, 512)
		copy(f, buf[off:off+512])
		frames = append(frames, f)
	}
	var s uint64
	for _, f := range frames {
		s += uint64(f[0]) + uint64(f[511])
	}
	return s
}

//go:noinline
func sortTags(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = strings.ToLower(t)
	}
	sort.Strings(out)
	// dedupe
	w := 0
	for i, t := range out {
		if i == 0 || t != out[w-1] {
			out[w] = t
			w++
		}
	}
	return out[:w]
}

//go:noinline
func marshalResult(res *Result) []byte {
	b, err := json.Marshal(res)
	if err != nil {
		panic(err)
	}
	return b
}

//go:noinline
func debugLog(w io.Writer, rec *Record, res *Result) {
	fmt.Fprintf(w, "debug id=%d ctx=%+v\n", rec.ID,
		logCtx{Method: rec.Method, Status: rec.Status, Latency: rec.Latency, Valid: res.Valid})
}

//go:noinline
func aggregate(counts map[string]int, rec *Record, res *Result) {
	counts[res.Class]++
	counts[normalizeField(rec.Method)+" "+strconv.Itoa(rec.Status)]++
}

//go:noinline
func processRecord(line string, counts map[string]int, w io.Writer) uint64 {
	rec, err := parseRecord(line)
	if err != nil {
		panic(err)
	}
	s := stageScratch(rec.Payload)
	res := &Result{ID: rec.ID, Latency: rec.Latency, Status: rec.Status}
	res.Valid = validateRecord(rec)
	res.Key = buildKey(rec)
	res.Class = matchRecord(rec)
	res.Digest = hashPayload(rec.Payload)
	res.Checksum = checksum(rec.Payload)
	res.Tags = sortTags(rec.Tags)
	out := marshalResult(res)
	if marshalTwice {
		out2 := marshalResult(res)
		s += uint64(len(out2))
	}
	if debugLogOn {
		debugLog(w, rec, res)
	}
	aggregate(counts, rec, res)
	return s + uint64(len(out)) + uint64(res.Checksum)
}

func worker(id, nworkers int, lines []string, stop *int32, processed *int64, sink *uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	counts := make(map[string]int)
	var s uint64
	var n int64
	for i := id; atomic.LoadInt32(stop) == 0; i += nworkers {
		s += processRecord(lines[i%len(lines)], counts, io.Discard)
		n++
	}
	atomic.AddInt64(processed, n)
	atomic.AddUint64(sink, s+uint64(len(counts)))
}

// hog is the CPU and memory hog record.sh --busy runs beside the workload
// (one single-threaded process each): it streams writes through a 64 MiB
// buffer, so it competes for the cores, the caches and memory bandwidth,
// as other jobs on a shared CI runner do.  It runs until killed.
//
// duty < 1 makes the load bursty, as neighbours' jobs are: the hog works for
// a random 5-45 ms, then sleeps so that it is busy a fraction duty of the
// time on average.
func hog(duty float64) {
	runtime.GOMAXPROCS(1)
	buf := make([]uint64, 8<<20)
	var x uint64 = 88172645463325252
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for {
		burst := time.Duration(5+rng.Intn(41)) * time.Millisecond
		t0 := time.Now()
		for time.Since(t0) < burst {
			x = hogRound(buf, x)
		}
		if duty < 1 {
			time.Sleep(time.Duration(float64(burst) * (1 - duty) / duty))
		}
		atomic.AddUint64(&hogSink, x)
	}
}

//go:noinline
func hogRound(buf []uint64, x uint64) uint64 {
	for j := 0; j < 64; j++ {
		for i := (j * 8) % len(buf); i < len(buf); i += 8 << 10 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			buf[i] += x
		}
	}
	for i := 0; i < 1<<14; i++ { // and some plain ALU work
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

var hogSink uint64

func tvSecs(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }

func main() {
	var (
		duration   = flag.Duration("duration", 5*time.Second, "wall-clock time the workers run")
		variant    = flag.String("variant", "none", "code change: "+strings.Join(variants, ", "))
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile (100 Hz) to `FILE`")
		memprofile = flag.String("memprofile", "", "write the allocation profile (allocs) to `FILE` at the end")
		memRate    = flag.Int("memprofilerate", 64*1024, "runtime.MemProfileRate (bytes per allocation sample)")
		procs      = flag.Int("procs", 2, "GOMAXPROCS")
		nworkers   = flag.Int("workers", 2, "worker goroutines")
		nlines     = flag.Int("records", 4096, "distinct input records (cycled)")
		seed       = flag.Int64("seed", 1, "input generator seed")
		quiet      = flag.Bool("q", false, "do not print the summary line on stderr")
		hogMode    = flag.Bool("hog", false, "be a CPU and memory hog until killed (for record.sh --busy)")
		hogDuty    = flag.Float64("hog-duty", 1, "with -hog: fraction of the time the hog is busy (0 < duty <= 1)")
	)
	flag.Parse()
	if *hogMode {
		if *hogDuty <= 0 || *hogDuty > 1 {
			fmt.Fprintln(os.Stderr, "workload: -hog-duty must be in (0, 1]")
			os.Exit(2)
		}
		hog(*hogDuty)
	}
	runtime.MemProfileRate = *memRate
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "workload: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := setVariant(*variant); err != nil {
		fmt.Fprintf(os.Stderr, "workload: %v\n", err)
		os.Exit(2)
	}
	if *procs < 1 || *nworkers < 1 || *nlines < 1 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "workload: -procs, -workers, -records and -duration must be positive")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	lines := genLines(*nlines, *seed)

	var cpuFile *os.File
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
		cpuFile = f
	}

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	var stop int32
	var processed int64
	var sink uint64
	var wg sync.WaitGroup
	start := time.Now()
	timer := time.AfterFunc(*duration, func() { atomic.StoreInt32(&stop, 1) })
	for w := 0; w < *nworkers; w++ {
		wg.Add(1)
		go worker(w, *nworkers, lines, &stop, &processed, &sink, &wg)
	}
	wg.Wait()
	timer.Stop()
	elapsed := time.Since(start)
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpuSecs := tvSecs(ru1.Utime) + tvSecs(ru1.Stime) - tvSecs(ru0.Utime) - tvSecs(ru0.Stime)

	if cpuFile != nil {
		pprof.StopCPUProfile()
		if err := cpuFile.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
	}
	if *memprofile != "" {
		runtime.GC() // the allocs profile is as of the last GC
		f, err := os.Create(*memprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "workload: %v\n", err)
			os.Exit(1)
		}
	}
	if !*quiet {
		// cores: the CPU the process got (2 on an idle 2-core machine).
		fmt.Fprintf(os.Stderr, "workload: variant=%s records=%d elapsed=%.2fs rate=%.0f/s cores=%.2f sink=%d\n",
			*variant, processed, elapsed.Seconds(), float64(processed)/elapsed.Seconds(),
			cpuSecs/elapsed.Seconds(), sink%1000)
	}
}
