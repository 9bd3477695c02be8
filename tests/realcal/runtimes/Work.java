// tests/realcal/runtimes.sh: a mixing loop, sorting, boxing and string work;
// "slow" adds a square-root loop (Work.slow) on every round.
import java.util.*;
public class Work {
    static long hotLoop(int n) { long s = 0; for (int i = 0; i < n; i++) s += (i * 2654435761L) ^ (s >>> 7); return s; }
    static String strings(int i) { return Integer.toHexString(i * 31) + "-" + Integer.toString(i % 97); }
    static List<Integer> allocate(int n) { List<Integer> l = new ArrayList<>(); for (int i = 0; i < n; i++) l.add(i); return l; }
    static long sorting(int n, Random r) { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = r.nextInt(); Arrays.sort(a); return a[0]; }
    static double slow(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.sqrt(i + 1.0); return s; }
    public static void main(String[] args) {
        boolean slowV = args.length > 0 && args[0].equals("slow");
        long end = System.currentTimeMillis() + Long.parseLong(args.length > 1 ? args[1] : "8") * 1000;
        Random r = new Random(42); long acc = 0;
        while (System.currentTimeMillis() < end) {
            acc += hotLoop(200000);
            for (int i = 0; i < 200; i++) acc += strings(i).length();
            acc += allocate(20000).size();
            acc += sorting(5000, r);
            if (slowV) acc += (long) slow(100000);
        }
        System.out.println(acc != 0 ? "ok" : "no");
    }
}
