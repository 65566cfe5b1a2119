package org.eqprop.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hot workers of {@link CorePool}: results in order, failures raised after every part ended, nested and concurrent splits. */
class CorePoolTest {

    private static List<Callable<Integer>> squares(int n, long sleepMillis) {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int v = i;
            tasks.add(() -> {
                if (sleepMillis > 0) {
                    Thread.sleep(sleepMillis);
                }
                return v * v;
            });
        }
        return tasks;
    }

    @Test
    void resultsComeInOrderAcrossManySplits() {
        int n = Math.max(2, CorePool.CORES);
        for (int round = 0; round < 2000; round++) {
            List<Integer> r = CorePool.runAll(squares(n, round % 500 == 0 ? 1 : 0));
            for (int i = 0; i < n; i++) {
                assertEquals(i * i, r.get(i));
            }
        }
    }

    /** A part that fails is raised to the caller only after every part ended, and the workers serve the next split. */
    @Test
    void failuresAreRaisedAfterEveryPartEnded() {
        int n = Math.max(2, CorePool.CORES);
        AtomicInteger ended = new AtomicInteger();
        for (int failing : new int[]{0, n - 1}) {
            ended.set(0);
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int v = i;
                tasks.add(() -> {
                    if (v == failing) {
                        ended.incrementAndGet();
                        throw new IllegalArgumentException("part " + v);
                    }
                    Thread.sleep(20);
                    ended.incrementAndGet();
                    return v;
                });
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CorePool.runAll(tasks));
            assertEquals("part " + failing, e.getMessage());
            assertEquals(n, ended.get(), "every part ended before the failure was raised");
            assertEquals(List.of(0, 1), CorePool.runAll(squares(2, 0)));
        }
    }

    /** A split inside a part, and splits from several threads at once, go to the pool and give the same results. */
    @Test
    void nestedAndConcurrentSplits() throws Exception {
        List<Callable<Integer>> outer = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int v = i;
            outer.add(() -> CorePool.runAll(squares(3, 1)).stream().mapToInt(Integer::intValue).sum() + v);
        }
        assertEquals(List.of(5, 6), CorePool.runAll(outer));

        List<Thread> threads = new ArrayList<>();
        AtomicInteger wrong = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int round = 0; round < 300; round++) {
                    List<Integer> r = CorePool.runAll(squares(2, 0));
                    if (r.get(0) != 0 || r.get(1) != 1) {
                        wrong.incrementAndGet();
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(wrong.get() == 0, wrong.get() + " wrong results");
    }
}
