// Calib.java - an unchanged Java workload for the --split calibration
// (docs/split.md, tests/tools/split-calibrate.sh): two worker threads run
// the same mix of CPU, allocation, hashing, sorting and string work for
// the given number of seconds, so every run of it is one "A" of an A/A
// comparison.
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class Calib {
    static volatile long sink;

    static long spin(int n) {
        long acc = 0;
        for (int i = 0; i < n; i++) acc += (acc ^ i) * 31 + (i >>> 3);
        return acc;
    }

    static int allocate(int n) {
        List<byte[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(new byte[64 + (i & 1023)]);
        return l.size();
    }

    static int hashing(Random r, int n) {
        Map<Integer, Integer> m = new HashMap<>();
        for (int i = 0; i < n; i++) m.merge(r.nextInt(4096), 1, Integer::sum);
        return m.size();
    }

    static long sorting(Random r, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = r.nextLong();
        Arrays.sort(a);
        return a[n / 2];
    }

    static int strings(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(Integer.toHexString(i * 7919));
        return sb.toString().hashCode();
    }

    static double math(int n) {
        double x = 0;
        for (int i = 1; i < n; i++) x += Math.sin(i) * Math.sqrt(i);
        return x;
    }

    static void work(long end, long seed) {
        Random r = new Random(seed);
        while (System.nanoTime() < end) {
            sink += spin(200_000);
            sink += allocate(1_000);
            sink += hashing(r, 20_000);
            sink += sorting(r, 20_000);
            sink += strings(2_000);
            sink += (long) math(50_000);
        }
    }

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] t = new Thread[2];
        for (int i = 0; i < t.length; i++) {
            final long seed = 42 + i;
            t[i] = new Thread(() -> work(end, seed), "worker-" + i);
            t[i].start();
        }
        for (Thread x : t) x.join();
        System.out.println("sink=" + sink);
    }
}
