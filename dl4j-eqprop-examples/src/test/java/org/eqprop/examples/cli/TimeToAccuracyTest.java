package org.eqprop.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.eqprop.examples.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The time-to-accuracy report: written by every train run, continued by a resume, and several runs on one figure. */
class TimeToAccuracyTest {

    private static String[] train(Path data, Path out, int epochs, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--preset", "mnist-fc1", "--epochs",
                Integer.toString(epochs), "--data-dir", data.toString(), "--out", out.toString(), "--train-limit",
                "200", "--test-limit", "100", "--free-steps", "8", "--nudged-steps", "3"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static BufferedImage png(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, file + " decodes as an image");
        return img;
    }

    @Test
    void aTrainRunWritesTheReportAndAResumeContinuesItsClock(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 300, 120);
        Path out = dir.resolve("run");
        CliTest.Result first = run(train(data, out, 2));
        assertEquals(0, first.code(), first.err());
        List<String> lines = Files.readAllLines(out.resolve(TimeToAccuracy.TSV));
        assertEquals(TimeToAccuracy.HEADER, lines.get(0));
        assertEquals(3, lines.size(), "one line per epoch: " + lines);
        List<String> history = Files.readAllLines(out.resolve(TrainCommand.HISTORY));
        double sum = 0;
        for (int e = 1; e <= 2; e++) {
            String[] f = lines.get(e).split("\t");
            String[] h = history.get(e).split("\t");
            assertEquals(Integer.toString(e), f[0]);
            sum += Double.parseDouble(h[3]);
            assertEquals(sum, Double.parseDouble(f[1]), 2e-3, "cumulative seconds: " + lines + " vs " + history);
            assertEquals(h[2], f[2], "the test error of the history");
            assertEquals(h[1], f[3], "the training error of the history");
        }
        assertTrue(Double.parseDouble(lines.get(2).split("\t")[1]) > Double.parseDouble(lines.get(1).split("\t")[1]));
        BufferedImage img = png(out.resolve(TimeToAccuracy.PNG));
        assertEquals(760, img.getWidth());

        // the time the run is down is not counted; the resumed epochs add their own training time
        Thread.sleep(1500);
        long t0 = System.nanoTime();
        CliTest.Result resumed = run(train(data, out, 4, "--resume"));
        double resumeWall = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, resumed.code(), resumed.err());
        List<String> after = Files.readAllLines(out.resolve(TimeToAccuracy.TSV));
        assertEquals(5, after.size(), "" + after);
        assertEquals(lines.subList(0, 3), after.subList(0, 3), "the first run's epochs are kept as they were");
        double before = Double.parseDouble(lines.get(2).split("\t")[1]);
        double end = Double.parseDouble(after.get(4).split("\t")[1]);
        double previous = 0;
        for (String line : after.subList(1, 5)) {
            double t = Double.parseDouble(line.split("\t")[1]);
            assertTrue(t > previous, "increasing: " + after);
            previous = t;
        }
        assertTrue(end - before < resumeWall, "the resumed epochs took " + (end - before) + " s of a " + resumeWall
                + " s call; the 1.5 s down before it do not count");
        png(out.resolve(TimeToAccuracy.PNG));

        // --overwrite removes the old report with the rest of the run
        Files.writeString(out.resolve(TimeToAccuracy.TSV), "stale");
        CliTest.Result again = run(train(data, out, 1, "--overwrite"));
        assertEquals(0, again.code(), again.err());
        assertEquals(2, Files.readAllLines(out.resolve(TimeToAccuracy.TSV)).size());
    }

    @Test
    void aSparkRunWritesTheReportFromItsHistoryAcrossAResume(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 120, 40);
        Path out = dir.resolve("spark");
        String[] first = {"train", "--preset", "mnist-fc1", "--epochs", "1", "--data-dir", data.toString(), "--out",
                out.toString(), "--free-steps", "6", "--nudged-steps", "2", "--spark", "local[2]"};
        CliTest.Result r = run(first);
        assertEquals(0, r.code(), r.err());
        List<String> one = Files.readAllLines(out.resolve(TimeToAccuracy.TSV));
        assertEquals(2, one.size(), "" + one);
        String[] resume = java.util.Arrays.copyOf(first, first.length + 1);
        resume[first.length] = "--resume";
        resume[4] = "2";
        CliTest.Result again = run(resume);
        assertEquals(0, again.code(), again.err());
        List<String> two = Files.readAllLines(out.resolve(TimeToAccuracy.TSV));
        assertEquals(3, two.size(), "" + two);
        assertEquals(one.get(1), two.get(1), "the first epoch's line is kept");
        List<String> history = Files.readAllLines(out.resolve(TrainCommand.HISTORY));
        double sum = Double.parseDouble(history.get(0).split("\t")[3]) + Double.parseDouble(history.get(1).split(
                "\t")[3]);
        assertEquals(sum, Double.parseDouble(two.get(2).split("\t")[1]), 2e-3, two + " vs " + history);
        png(out.resolve(TimeToAccuracy.PNG));
    }

    @Test
    void runsCompareOnOneFigureWithTheTimeEachReachedTheTarget(@TempDir Path dir) throws IOException {
        // a run as train writes it, and an older one with only a history (Spark's, without a header line)
        Path a = Files.createDirectories(dir.resolve("fast"));
        TimeToAccuracy.write(a, "fast", List.of(600.0, 600.0, 600.0), List.of(0.5, 0.28, 0.25),
                List.of(0.6, 0.3, 0.2));
        Path b = Files.createDirectories(dir.resolve("slow"));
        Files.writeString(b.resolve(TrainCommand.HISTORY), "1\t0.700000\t0.600000\t1800.000\n"
                + "2\t0.500000\t0.400000\t1800.000\n3\tNaN\t0.300000\t1800.000\n");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Path png = dir.resolve("cmp.png");
        Json j = TimeToAccuracy.compare(List.of(a, b), null, 0.3, png,
                new PrintStream(text, true, StandardCharsets.UTF_8));
        String json = j.toString();
        assertTrue(json.contains("\"run\": \"fast\", \"dir\": \"" + a + "\", \"epochs\": 3, \"train_seconds\": 1800, "
                + "\"test_error\": 0.25, \"best_test_error\": 0.25, \"seconds_to_target\": 1200}"), json);
        assertTrue(json.contains("\"run\": \"slow\", \"dir\": \"" + b + "\", \"epochs\": 3, \"train_seconds\": 5400, "
                + "\"test_error\": 0.3, \"best_test_error\": 0.3, \"seconds_to_target\": 5400}"), json);
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("fast: 3 epochs, 30.0 min of training, test error "
                + "25.00% (best 25.00%), at or below 30.00% after 20.0 min"), text.toString(StandardCharsets.UTF_8));
        List<String> tsv = Files.readAllLines(dir.resolve("cmp.tsv"));
        assertEquals("run\t" + TimeToAccuracy.HEADER, tsv.get(0));
        assertEquals(7, tsv.size(), "" + tsv);
        assertEquals("slow\t3\t5400.000\t0.300000\tNaN", tsv.get(6));
        assertEquals(760, png(png).getWidth());

        Json never = TimeToAccuracy.compare(List.of(b), List.of("B"), 0.1, dir.resolve("one.png"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertTrue(never.toString().contains("\"run\": \"B\"") && never.toString().contains(
                "\"seconds_to_target\": null"), never.toString());
        assertThrows(Args.UsageException.class, () -> TimeToAccuracy.compare(List.of(a, b), List.of("x"), 0.3, png,
                System.out));
        assertThrows(Args.UsageException.class, () -> TimeToAccuracy.compare(List.of(a), null, 0.3,
                dir.resolve("cmp.svg"), System.out));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> TimeToAccuracy.compare(
                List.of(dir.resolve("none")), null, 0.3, png, System.out));
        assertTrue(empty.getMessage().contains("not a run folder"), empty.getMessage());
    }

    @Test
    void theUnitFollowsTheLengthOfTheRun() {
        assertEquals("seconds", TimeToAccuracy.unit(90));
        assertEquals("minutes", TimeToAccuracy.unit(45 * 60));
        assertEquals("hours", TimeToAccuracy.unit(3 * 3600));
        assertEquals(1.5, TimeToAccuracy.inUnit(5400, "hours"), 1e-12);
    }
}
