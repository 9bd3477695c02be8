// Live.java - a small Java workload for tests/cli/jfr_live.sh: CPU (spin),
// allocation (allocate), a contended monitor (holder/waiter) and parks.
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

public class Live {
    static volatile long sink;
    static final Object lock = new Object();

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

    static void holder() {
        synchronized (lock) { LockSupport.parkNanos(30_000_000L); }
    }

    static void waiter() {
        synchronized (lock) { sink++; }
    }

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int round = 0;
        while (System.nanoTime() < end) {
            sink += spin(300_000);
            sink += allocate(3_000);
            if (round++ % 20 == 0) {
                Thread a = new Thread(Live::holder);
                a.start();
                Thread.sleep(2);
                Thread b = new Thread(Live::waiter);
                b.start();
                a.join();
                b.join();
            }
        }
        System.out.println("sink=" + sink);
    }
}
