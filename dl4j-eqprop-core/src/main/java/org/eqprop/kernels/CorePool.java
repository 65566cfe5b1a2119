package org.eqprop.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker per core (the caller being one of them): runs the parts of a split computation in parallel.
 *
 * <p>The workers stay hot: each waits for its next part spinning for {@link #SPIN_NANOS} before it parks, and the
 * caller waits for the parts the same way, so that the phases and products of an iteration (a handful of splits a
 * few milliseconds apart) do not pay a thread wake-up at each start and end. One split at a time uses them; a split
 * started while another runs (another thread's, or one inside a part) goes to a plain thread pool.
 */
public final class CorePool {

    /** A part [from, to) of a range. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    static final int CORES = Runtime.getRuntime().availableProcessors();

    private static final ExecutorService POOL = Executors.newFixedThreadPool(Math.max(1, CORES - 1), r -> {
        Thread t = new Thread(r, "eqprop-fused");
        t.setDaemon(true);
        return t;
    });

    /** How long a worker waiting for its next part, or a caller waiting for the parts, spins before it parks. */
    static final long SPIN_NANOS = 200_000L;

    private static final HotWorker[] HOT = new HotWorker[Math.max(0, CORES - 1)];

    /** True while a split runs on the hot workers. */
    private static final AtomicBoolean HOT_BUSY = new AtomicBoolean();

    private CorePool() {
    }

    /** Runs every task, the first on the calling thread, and returns their results in order. */
    public static <T> List<T> runAll(List<Callable<T>> tasks) {
        if (tasks.size() > 1 && tasks.size() - 1 <= HOT.length && HOT_BUSY.compareAndSet(false, true)) {
            try {
                return runHot(tasks);
            } finally {
                HOT_BUSY.set(false);
            }
        }
        return runPooled(tasks);
    }

    /** The tasks on the hot workers: the first on the caller, then every part waited for, then any failure raised. */
    private static <T> List<T> runHot(List<Callable<T>> tasks) {
        List<Part<T>> parts = new ArrayList<>();
        for (int i = 1; i < tasks.size(); i++) {
            Part<T> part = new Part<>(tasks.get(i), Thread.currentThread());
            parts.add(part);
            hotWorker(i - 1).give(part);
        }
        List<T> results = new ArrayList<>();
        Throwable failure = null;
        try {
            results.add(tasks.get(0).call());
        } catch (Throwable t) {
            failure = t;
        }
        // every part ends before the workers serve another split, also when the caller's part failed
        for (Part<T> part : parts) {
            part.awaitDone();
            if (failure == null && part.error != null) {
                failure = part.error;
            }
            results.add(part.result);
        }
        if (failure != null) {
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(failure);
        }
        return results;
    }

    private static synchronized HotWorker hotWorker(int i) {
        if (HOT[i] == null) {
            HOT[i] = new HotWorker();
            HOT[i].start();
        }
        return HOT[i];
    }

    /** One part of a split: its task, its result or failure, and the caller to wake when it is done. */
    private static final class Part<T> implements Runnable {
        private final Callable<T> task;
        private final Thread caller;
        private volatile boolean done;
        private volatile boolean callerParked;
        private T result;
        private Throwable error;

        Part(Callable<T> task, Thread caller) {
            this.task = task;
            this.caller = caller;
        }

        @Override
        public void run() {
            try {
                result = task.call();
            } catch (Throwable t) {
                error = t;
            }
            done = true;
            if (callerParked) {
                LockSupport.unpark(caller);
            }
        }

        /** Spins, then parks, until the part is done (its result and error are then visible: done is volatile). */
        void awaitDone() {
            long until = System.nanoTime() + SPIN_NANOS;
            while (!done) {
                if (System.nanoTime() < until) {
                    Thread.onSpinWait();
                } else {
                    callerParked = true;
                    if (!done) {
                        LockSupport.park(this);
                    }
                    callerParked = false;
                }
            }
        }
    }

    /**
     * A worker thread that takes one part at a time: it spins for {@link #SPIN_NANOS} after each part, then parks
     * until the next is given. (A given part and the parked flag are both volatile: either the worker sees the part
     * before it parks, or the giver sees the flag and unparks it.)
     */
    private static final class HotWorker extends Thread {
        private volatile Runnable part;
        private volatile boolean parked;

        HotWorker() {
            super("eqprop-fused");
            setDaemon(true);
        }

        void give(Runnable p) {
            part = p;
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                long until = System.nanoTime() + SPIN_NANOS;
                Runnable p;
                while ((p = part) == null) {
                    if (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (part == null) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                part = null;
                p.run();
            }
        }
    }

    /** The tasks on the thread pool (a split while another runs on the hot workers). */
    private static <T> List<T> runPooled(List<Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 1; i < tasks.size(); i++) {
            futures.add(POOL.submit(tasks.get(i)));
        }
        List<T> results = new ArrayList<>();
        try {
            results.add(tasks.get(0).call());
            for (Future<T> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return results;
    }

    /** Runs body over [0, n) split into parts of at least {@code minPart}, in parallel. */
    public static void parallelFor(int n, int minPart, Range body) {
        int[] b = split(n, minPart);
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i + 1 < b.length; i++) {
            int from = b[i];
            int to = b[i + 1];
            tasks.add(() -> {
                body.run(from, to);
                return null;
            });
        }
        runAll(tasks);
    }

    /** Splits [0, n) into at most {@link #CORES} contiguous parts of at least {@code minPart}: the part bounds. */
    public static int[] split(int n, int minPart) {
        int parts = Math.max(1, Math.min(CORES, n / Math.max(1, minPart)));
        int[] bounds = new int[parts + 1];
        int base = n / parts;
        int extra = n % parts;
        for (int i = 0; i < parts; i++) {
            bounds[i + 1] = bounds[i] + base + (i < extra ? 1 : 0);
        }
        return bounds;
    }
}
