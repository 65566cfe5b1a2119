package org.eqprop.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** One worker per core (the caller being one of them): runs the parts of a split computation in parallel. */
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

    private CorePool() {
    }

    /** Runs every task, the first on the calling thread, and returns their results in order. */
    public static <T> List<T> runAll(List<Callable<T>> tasks) {
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
