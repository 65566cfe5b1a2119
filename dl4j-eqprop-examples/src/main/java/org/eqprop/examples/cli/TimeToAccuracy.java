package org.eqprop.examples.cli;

import org.eqprop.examples.plot.LinePlot;
import org.eqprop.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The time-to-accuracy report of a training run: test error against cumulative training time, so that runs compare by
 * what a user waits for. {@code eqprop train} writes, into its run folder at the end of every epoch (atomically),
 * <ul>
 *   <li>{@value #TSV}: {@code epoch, train_seconds, test_error, train_error}, where {@code train_seconds} is the sum of
 *       the epochs' training times up to the end of that epoch (the {@code seconds} of {@code history.tsv}); and</li>
 *   <li>{@value #PNG}: test error (and training error) against that time on linear axes from 0.</li>
 * </ul>
 * The clock counts training only: the test evaluation after each epoch, the saves at its end and the time a run is
 * down between a kill and its {@code --resume} are not counted. A resumed run goes on from the time its checkpoint
 * recorded (a mid-epoch checkpoint records the partial epoch's seconds), so the work done between the last checkpoint
 * and a kill, which the resumed run does again, counts once. {@link #compare} draws several runs on one figure.
 */
final class TimeToAccuracy {

    static final String TSV = "time-to-accuracy.tsv";
    static final String PNG = "time-to-accuracy.png";
    static final String HEADER = "epoch\ttrain_seconds\ttest_error\ttrain_error";

    /** The end of one epoch: cumulative training seconds, test error and training error (NaN when not measured). */
    record Point(int epoch, double trainSeconds, double testError, double trainError) {
    }

    private TimeToAccuracy() {
    }

    /** The points of a run from its per-epoch lists (epoch i + 1 is element i of each). */
    static List<Point> points(List<Double> epochSeconds, List<Double> testErrors, List<Double> trainErrors) {
        if (epochSeconds.size() != testErrors.size() || trainErrors.size() != testErrors.size()) {
            throw new IllegalArgumentException("per-epoch lists of different lengths: " + epochSeconds.size()
                    + " times, " + testErrors.size() + " test errors, " + trainErrors.size() + " training errors");
        }
        List<Point> out = new ArrayList<>();
        double t = 0;
        for (int i = 0; i < testErrors.size(); i++) {
            t += epochSeconds.get(i);
            out.add(new Point(i + 1, t, testErrors.get(i), trainErrors.get(i)));
        }
        return out;
    }

    /** Writes {@value #TSV} and {@value #PNG} into {@code runDir} (each atomically). */
    static void write(Path runDir, String title, List<Double> epochSeconds, List<Double> testErrors,
                      List<Double> trainErrors) throws IOException {
        List<Point> points = points(epochSeconds, testErrors, trainErrors);
        AtomicFiles.write(runDir.resolve(TSV), tsv(points).getBytes(StandardCharsets.UTF_8));
        plot(List.of(title), List.of(points), "time to accuracy: " + title, true, Double.NaN, runDir.resolve(PNG));
    }

    static String tsv(List<Point> points) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Point p : points) {
            b.append(String.format(Locale.ROOT, "%d\t%.3f\t%.6f\t%.6f%n", p.epoch(), p.trainSeconds(), p.testError(),
                    p.trainError()));
        }
        return b.toString();
    }

    /**
     * A run folder's points: from its {@value #TSV}, else from its {@code history.tsv} (epoch, train error, test error,
     * seconds; with or without the header line), the seconds summed.
     */
    static List<Point> read(Path runDir) throws IOException {
        Path tsv = runDir.resolve(TSV);
        if (Files.isRegularFile(tsv)) {
            List<Point> out = new ArrayList<>();
            for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("epoch")) {
                    continue;
                }
                String[] f = fields(tsv, line, 4);
                out.add(new Point(Integer.parseInt(f[0]), number(tsv, f[1]), number(tsv, f[2]), number(tsv, f[3])));
            }
            return out;
        }
        Path history = runDir.resolve(TrainCommand.HISTORY);
        if (!Files.isRegularFile(history)) {
            throw new IllegalArgumentException(runDir + " holds neither " + TSV + " nor " + TrainCommand.HISTORY
                    + ": not a run folder of eqprop train");
        }
        List<Double> seconds = new ArrayList<>();
        List<Double> test = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        for (String line : Files.readAllLines(history, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("epoch")) {
                continue;
            }
            String[] f = fields(history, line, 4);
            train.add(number(history, f[1]));
            test.add(number(history, f[2]));
            seconds.add(number(history, f[3]));
        }
        return points(seconds, test, train);
    }

    private static String[] fields(Path file, String line, int n) {
        String[] f = line.split("\t");
        if (f.length < n) {
            throw new IllegalArgumentException(file + ": a line with " + f.length + " fields, expected " + n + ": "
                    + line);
        }
        return f;
    }

    private static double number(Path file, String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": not a number: '" + s + "'");
        }
    }

    /** Seconds, minutes or hours: the unit in which {@code seconds} reads best on an axis. */
    static String unit(double seconds) {
        return seconds < 120 ? "seconds" : seconds < 7200 ? "minutes" : "hours";
    }

    static double inUnit(double seconds, String unit) {
        return switch (unit) {
            case "seconds" -> seconds;
            case "minutes" -> seconds / 60;
            case "hours" -> seconds / 3600;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    /**
     * Draws the runs' test errors (solid, one color each) against training time on linear axes from 0; with
     * {@code withTrainError}, each run's training error dashed in its color; a finite {@code target} as a grey dashed
     * horizontal line. Points whose error is not finite are left out.
     */
    static void plot(List<String> labels, List<List<Point>> runs, String title, boolean withTrainError,
                     double target, Path png) throws IOException {
        double last = 0;
        for (List<Point> r : runs) {
            for (Point p : r) {
                last = Math.max(last, p.trainSeconds());
            }
        }
        String unit = unit(last);
        LinePlot plot = new LinePlot(title, "training time (" + unit + ")").xFromZero();
        for (int k = 0; k < runs.size(); k++) {
            List<Point> r = runs.get(k);
            String label = runs.size() == 1 ? "test error" : labels.get(k);
            addSeries(plot, label, r, true, unit, false, k);
            if (withTrainError) {
                addSeries(plot, runs.size() == 1 ? "train error" : labels.get(k) + " (train)", r, false, unit, true,
                        k);
            }
        }
        if (Double.isFinite(target)) {
            // 51 points: LinePlot marks the points of series of at most 50, and this line has no measured points
            double[] x = new double[51];
            double[] y = new double[51];
            for (int i = 0; i < x.length; i++) {
                x[i] = inUnit(last, unit) * i / (x.length - 1);
                y[i] = target;
            }
            plot.add(String.format(Locale.ROOT, "target %.3g", target), x, y, true, runs.size());
        }
        plot.legend((withTrainError ? "solid: test error   dashed: training error   " : "")
                + "time: training, summed over resumes (evaluation excluded)");
        plot.write(png);
    }

    private static void addSeries(LinePlot plot, String label, List<Point> run, boolean test, String unit,
                                  boolean dashed, int color) {
        List<double[]> xy = new ArrayList<>();
        for (Point p : run) {
            double e = test ? p.testError() : p.trainError();
            if (Double.isFinite(e) && Double.isFinite(p.trainSeconds())) {
                xy.add(new double[]{inUnit(p.trainSeconds(), unit), e});
            }
        }
        if (xy.isEmpty()) {
            return;
        }
        double[] x = new double[xy.size()];
        double[] y = new double[xy.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = xy.get(i)[0];
            y[i] = xy.get(i)[1];
        }
        plot.add(label, x, y, dashed, color);
    }

    /** The training seconds at which the run's test error first reached {@code target} or below; NaN if never. */
    static double secondsToTarget(List<Point> run, double target) {
        for (Point p : run) {
            if (p.testError() <= target) {
                return p.trainSeconds();
            }
        }
        return Double.NaN;
    }

    /**
     * {@code eqprop time-to-accuracy --runs DIR1,DIR2,... [--labels A,B,...] [--target E] --out FILE.png}: draws the
     * test error of several run folders against their training time on one figure ({@code FILE.png}), writes their
     * points side by side to {@code FILE.tsv} ({@code run, epoch, train_seconds, test_error, train_error}) and prints
     * one line per run. Each folder is read by {@link #read} (so runs made before this report, from their
     * {@code history.tsv}, compare too).
     *
     * @param labels one per run, or null or empty for the folders' names
     * @param target a test error to reach (NaN: none): drawn, and the time each run first reached it reported
     */
    static Json compare(List<Path> runs, List<String> labels, double target, Path png, PrintStream out)
            throws IOException {
        if (runs.isEmpty()) {
            throw new Args.UsageException("--runs: give at least one run folder");
        }
        if (labels != null && !labels.isEmpty() && labels.size() != runs.size()) {
            throw new Args.UsageException("--labels: " + labels.size() + " labels for " + runs.size() + " runs");
        }
        if (!png.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new Args.UsageException("--out must name a .png file, got " + png);
        }
        List<String> names = new ArrayList<>();
        List<List<Point>> all = new ArrayList<>();
        StringBuilder tsv = new StringBuilder("run\t" + HEADER + "\n");
        List<Object> perRun = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            Path dir = runs.get(k);
            String name = labels != null && !labels.isEmpty() ? labels.get(k)
                    : dir.toAbsolutePath().normalize().getFileName().toString();
            List<Point> points = read(dir);
            if (points.isEmpty()) {
                throw new IllegalArgumentException(dir + " has no finished epoch yet");
            }
            names.add(name);
            all.add(points);
            for (String line : tsv(points).split("\n")) {
                if (!line.startsWith("epoch")) {
                    tsv.append(name).append('\t').append(line).append('\n');
                }
            }
            Point end = points.get(points.size() - 1);
            double best = points.stream().mapToDouble(Point::testError).min().orElse(Double.NaN);
            double reached = Double.isFinite(target) ? secondsToTarget(points, target) : Double.NaN;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("run", name);
            r.put("dir", dir.toString());
            r.put("epochs", end.epoch());
            r.put("train_seconds", end.trainSeconds());
            r.put("test_error", end.testError());
            r.put("best_test_error", best);
            r.put("seconds_to_target", Double.isNaN(reached) ? null : reached);
            perRun.add(r);
            out.printf(Locale.ROOT, "%s: %d epochs, %.1f min of training, test error %.2f%% (best %.2f%%)%s%n", name,
                    end.epoch(), end.trainSeconds() / 60, 100 * end.testError(), 100 * best,
                    !Double.isFinite(target) ? "" : Double.isNaN(reached) ? String.format(Locale.ROOT,
                            ", never at or below %.2f%%", 100 * target) : String.format(Locale.ROOT,
                            ", at or below %.2f%% after %.1f min", 100 * target, reached / 60));
        }
        plot(names, all, "test error against training time", false, target, png);
        String base = png.getFileName().toString();
        Path tsvPath = png.resolveSibling(base.substring(0, base.length() - 4) + ".tsv");
        AtomicFiles.write(tsvPath, tsv.toString().getBytes(StandardCharsets.UTF_8));
        return new Json().put("command", "time-to-accuracy").put("png", png.toString()).put("tsv", tsvPath.toString())
                .put("target", Double.isFinite(target) ? target : null).put("runs", perRun);
    }
}
