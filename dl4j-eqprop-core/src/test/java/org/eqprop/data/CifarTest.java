package org.eqprop.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.CompositeDataSetPreProcessor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CifarTest {

    private static final String[] NAMES = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
        "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};

    // ---------------------------------------------------------------- reader

    @Test
    void readsPlainAndGzipBatchesExactlyInChannelMajorOrder(@TempDir Path dir) throws IOException {
        CifarTestFiles.write(dir.resolve("a.bin"), CifarTestFiles.records(0, 4), false);
        CifarTestFiles.write(dir.resolve("b.bin.gz"), CifarTestFiles.records(4, 3), true);
        LabeledImages a = CifarReader.read(dir.resolve("a.bin"), 0);
        assertEquals(4, a.size());
        assertEquals(3072, a.features());
        assertEquals(10, a.classes());
        LabeledImages both = LabeledImages.fromCifar(List.of(dir.resolve("a.bin"), dir.resolve("b.bin.gz")), 0);
        assertEquals(7, both.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(CifarTestFiles.label(i), both.labels()[i], "label of record " + i);
            for (int[] p : new int[][]{{0, 0, 0}, {0, 0, 31}, {0, 31, 0}, {1, 0, 0}, {1, 5, 7}, {2, 0, 0}, {2, 31, 31}}) {
                float want = CifarTestFiles.pixel(i, p[0], p[1], p[2]) / 255f;
                assertEquals(want, both.pixels()[i * 3072 + p[0] * 1024 + p[1] * 32 + p[2]], 0f,
                        "record " + i + " c,y,x=" + Arrays.toString(p));
            }
        }
        // the three planes of one pixel are 1024 apart (R, G, B), and the gzip file reads like a plain one
        assertEquals(80 / 255f, both.pixels()[1024] - both.pixels()[0], 1e-6f);
        LabeledImages b = CifarReader.read(dir.resolve("b.bin.gz"), 0);
        assertArrayEquals(Arrays.copyOfRange(both.pixels(), 4 * 3072, 7 * 3072), b.pixels());
        float max = 0;
        for (float v : both.pixels()) {
            max = Math.max(max, v);
        }
        assertEquals(1f, max, 0f, "pixels scale to [0, 1]");
    }

    @Test
    void limitCutsAcrossFilesAndLeavesLaterFilesUnopened(@TempDir Path dir) throws IOException {
        CifarTestFiles.write(dir.resolve("a.bin"), CifarTestFiles.records(0, 4), false);
        CifarTestFiles.write(dir.resolve("b.bin"), CifarTestFiles.records(4, 4), false);
        LabeledImages d = CifarReader.read(List.of(dir.resolve("a.bin"), dir.resolve("b.bin")), 6);
        assertEquals(6, d.size());
        assertEquals(CifarTestFiles.label(5), d.labels()[5]);
        assertEquals(CifarTestFiles.pixel(5, 2, 3, 4) / 255f, d.pixels()[5 * 3072 + 2 * 1024 + 3 * 32 + 4], 0f);
        LabeledImages first = CifarReader.read(List.of(dir.resolve("a.bin"), dir.resolve("missing.bin")), 3);
        assertEquals(3, first.size());
        assertThrows(IOException.class, () -> CifarReader.read(List.of(dir.resolve("a.bin"), dir.resolve("missing"
                + ".bin")), 5));
    }

    @Test
    void truncatedAndCorruptFilesNameTheFileAndTheProblem(@TempDir Path dir) throws IOException {
        byte[] good = CifarTestFiles.records(0, 3);
        Path cut = dir.resolve("cut.bin");
        CifarTestFiles.write(cut, Arrays.copyOf(good, good.length - 100), false);
        IOException e = assertThrows(IOException.class, () -> CifarReader.read(cut, 0));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("3073"), e.getMessage());

        Path cutGz = dir.resolve("cut.bin.gz");
        CifarTestFiles.write(cutGz, Arrays.copyOf(good, 5000), true);
        e = assertThrows(IOException.class, () -> CifarReader.read(cutGz, 0));
        assertTrue(e.getMessage().contains(cutGz.toString()) && e.getMessage().contains("multiple"), e.getMessage());

        Path brokenGzip = dir.resolve("broken.bin.gz");
        byte[] gz = CifarTestFiles.gzip(good);
        Files.write(brokenGzip, Arrays.copyOf(gz, gz.length / 2));
        e = assertThrows(IOException.class, () -> CifarReader.read(brokenGzip, 0));
        assertTrue(e.getMessage().contains(brokenGzip.toString()), e.getMessage());

        byte[] badLabel = good.clone();
        badLabel[2 * CifarReader.RECORD_BYTES] = 10;
        Path bad = dir.resolve("bad.bin");
        CifarTestFiles.write(bad, badLabel, false);
        e = assertThrows(IOException.class, () -> CifarReader.read(bad, 1));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("label 10")
                && e.getMessage().contains("record 2"), e.getMessage());

        Path empty = dir.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        e = assertThrows(IOException.class, () -> CifarReader.read(empty, 0));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    // ---------------------------------------------------------------- locator

    @Test
    void locatorSearchesOptionElseEnvironmentElseHome(@TempDir Path dir) throws IOException {
        Path home = dir.resolve("home");
        Path option = dir.resolve("opt");
        Path env = dir.resolve("env");
        Files.createDirectories(option);
        Path nested = env.resolve("cifar10/cifar-10-batches-bin");
        SyntheticImages.writeCifarLike(nested, 10, 2);
        assertThrows(IOException.class, new DataLocator(option, env.toString(), home, false)::cifar10,
                "a given --data-dir binds");
        assertEquals(nested, parentOf(new DataLocator(null, env.toString(), home, false).cifar10()));
        SyntheticImages.writeCifarLike(env, 10, 2);
        assertEquals(nested, parentOf(new DataLocator(null, env.toString(), home, false).cifar10()),
                "root/cifar10/cifar-10-batches-bin comes before root itself");
        SyntheticImages.writeCifarLike(env.resolve("cifar-10-batches-bin"), 10, 2);
        assertEquals(env.resolve("cifar-10-batches-bin"), parentOf(new DataLocator(null, env.toString(), home,
                false).cifar10()));
        SyntheticImages.writeCifarLike(option, 10, 2);
        Path[] files = new DataLocator(option, env.toString(), home, false).cifar10();
        assertEquals(option, parentOf(files), "--data-dir comes before the environment");
        assertEquals(6, files.length);
        for (int i = 0; i < 6; i++) {
            String name = files[i].getFileName().toString();
            assertTrue(name.equals(NAMES[i]) || name.equals(NAMES[i] + ".gz"), name);
        }
        // nothing given: the home locations, in order
        Path flat = home.resolve(".deeplearning4j/data/cifar10");
        SyntheticImages.writeCifarLike(flat, 10, 2);
        assertEquals(flat, parentOf(new DataLocator(null, null, home, false).cifar10()));
        Path standard = flat.resolve("cifar-10-batches-bin");
        SyntheticImages.writeCifarLike(standard, 10, 2);
        assertEquals(standard, parentOf(new DataLocator(null, "", home, false).cifar10()));
        assertThrows(IOException.class, new DataLocator(dir.resolve("nowhere"), null, home, false)::cifar10);
        // the files found are readable
        assertEquals(10, LabeledImages.fromCifar(List.of(files).subList(0, 5), 0).size());
    }

    @Test
    void notFoundNamesEveryPlaceAndHowToGetTheData(@TempDir Path dir) throws IOException {
        Path home = dir.resolve("home");
        Path option = dir.resolve("opt");
        Path env = dir.resolve("env");
        // an incomplete copy: test batch missing
        SyntheticImages.writeCifarLike(env.resolve("cifar-10-batches-bin"), 10, 2);
        Files.delete(env.resolve("cifar-10-batches-bin/test_batch.bin.gz"));
        DataLocator locator = new DataLocator(null, env.toString(), home, false);
        IOException e = assertThrows(IOException.class, locator::cifar10);
        String m = e.getMessage();
        for (Path p : locator.cifar10Candidates()) {
            assertTrue(m.contains(p.toString()), "message lacks " + p + ": " + m);
        }
        assertEquals(3, locator.cifar10Candidates().size(), "a given folder is the only place searched");
        assertTrue(m.contains(env.resolve("cifar10/cifar-10-batches-bin").toString()), m);
        assertTrue(m.contains("incomplete: lacks [test_batch.bin]"), m);
        assertTrue(m.contains("EQPROP_DATA_DIR=" + env) && m.contains("binding"), m);
        assertThrows(IOException.class, new DataLocator(option, env.toString(), home, false)::cifar10);

        // nothing given: the home folders, then the download
        DataLocator none = new DataLocator(null, null, home, false);
        String n = assertThrows(IOException.class, none::cifar10).getMessage();
        assertEquals(2, none.cifar10Candidates().size());
        assertTrue(n.contains(home.resolve(".deeplearning4j/data/cifar10/cifar-10-batches-bin").toString()), n);
        assertTrue(n.contains("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz") && n.contains("--data-dir")
                && n.contains("EQPROP_DATA_DIR") && n.contains("fetching disabled"), n);
        assertFalse(Files.exists(home), "a locator that may not fetch creates nothing");
    }

    private static Path parentOf(Path[] files) {
        Path parent = files[0].getParent();
        for (Path f : files) {
            assertEquals(parent, f.getParent());
        }
        return parent;
    }

    // ---------------------------------------------------------------- tarball extraction

    @Test
    void extractsVerifiedBatchesFromATarGz(@TempDir Path dir) throws IOException {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        Map<String, String> sha = new LinkedHashMap<>();
        Random r = new Random(5);
        int[] sizes = {3073, 512, 0, 1024 + 7, 3 * 3073, 1};
        for (int i = 0; i < NAMES.length; i++) {
            byte[] b = new byte[sizes[i]];
            r.nextBytes(b);
            contents.put(NAMES[i], b);
            sha.put(NAMES[i], DataLocator.sha256(b));
        }
        CifarTestFiles.Tar tar = new CifarTestFiles.Tar().directory("cifar-10-batches-bin/")
                .file("cifar-10-batches-bin/batches.meta.txt", "airplane\n".getBytes())
                .file("elsewhere/data_batch_1.bin", new byte[]{9, 9, 9});
        for (String name : NAMES) {
            tar.file("cifar-10-batches-bin/" + name, contents.get(name));
        }
        byte[] tgz = CifarTestFiles.gzip(tar.bytes());

        Path home = dir.resolve("home");
        Path target = home.resolve(".deeplearning4j/data/cifar10/cifar-10-batches-bin");
        DataLocator.extractCifar10(new ByteArrayInputStream(tgz), target, sha);
        for (String name : NAMES) {
            assertArrayEquals(contents.get(name), Files.readAllBytes(target.resolve(name)), name);
        }
        assertEquals(Set.of(NAMES), listNames(target), "only the expected files, no temporaries");
        assertEquals(target, parentOf(new DataLocator(null, null, home, false).cifar10()));

        // one wrong expected hash: an error naming the file, and that file is not left behind
        Map<String, String> wrong = new LinkedHashMap<>(sha);
        wrong.put("data_batch_3.bin", sha.get("data_batch_3.bin").replace('a', 'b').replace('0', '1'));
        assertNotEquals(sha.get("data_batch_3.bin"), wrong.get("data_batch_3.bin"));
        Path other = dir.resolve("other");
        IOException e = assertThrows(IOException.class,
                () -> DataLocator.extractCifar10(new ByteArrayInputStream(tgz), other, wrong));
        assertTrue(e.getMessage().contains("SHA-256 mismatch") && e.getMessage().contains("data_batch_3.bin"),
                e.getMessage());
        assertFalse(Files.exists(other.resolve("data_batch_3.bin")));
        assertEquals(Set.of("data_batch_1.bin", "data_batch_2.bin"), listNames(other));

        // a file the archive lacks
        Map<String, String> more = new LinkedHashMap<>(sha);
        more.put("data_batch_6.bin", sha.get("test_batch.bin"));
        e = assertThrows(IOException.class,
                () -> DataLocator.extractCifar10(new ByteArrayInputStream(tgz), dir.resolve("more"), more));
        assertTrue(e.getMessage().contains("lacks") && e.getMessage().contains("data_batch_6.bin"), e.getMessage());
    }

    @Test
    void damagedArchivesAreRejected(@TempDir Path dir) throws IOException {
        byte[] body = new byte[3000];
        new Random(1).nextBytes(body);
        byte[] tar = new CifarTestFiles.Tar().file("cifar-10-batches-bin/data_batch_1.bin", body).bytes();
        Map<String, String> sha = Map.of("data_batch_1.bin", DataLocator.sha256(body));
        // intact: extracts
        DataLocator.extractCifar10(new ByteArrayInputStream(CifarTestFiles.gzip(tar)), dir.resolve("ok"), sha);
        assertArrayEquals(body, Files.readAllBytes(dir.resolve("ok/data_batch_1.bin")));
        // a flipped header byte breaks the header checksum
        byte[] badHeader = tar.clone();
        badHeader[20] = 'x';
        IOException e = assertThrows(IOException.class, () -> DataLocator.extractCifar10(
                new ByteArrayInputStream(CifarTestFiles.gzip(badHeader)), dir.resolve("h"), sha));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        // an archive cut inside the file
        byte[] cut = Arrays.copyOf(tar, 512 + 1000);
        e = assertThrows(IOException.class, () -> DataLocator.extractCifar10(
                new ByteArrayInputStream(CifarTestFiles.gzip(cut)), dir.resolve("c"), sha));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("c/data_batch_1.bin")));
        // a cut gzip stream
        byte[] gz = CifarTestFiles.gzip(tar);
        assertThrows(IOException.class, () -> DataLocator.extractCifar10(
                new ByteArrayInputStream(Arrays.copyOf(gz, gz.length / 2)), dir.resolve("g"), sha));
        assertFalse(Files.exists(dir.resolve("g/data_batch_1.bin")));
    }

    private static Set<String> listNames(Path dir) throws IOException {
        Set<String> names = new HashSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    // ---------------------------------------------------------------- normalisation

    @Test
    void normalisationFittedOnTheDataGivesZeroMeanUnitStdPerChannel(@TempDir Path dir) throws IOException {
        SyntheticImages.writeCifarLike(dir, 60, 5);
        LabeledImages read = CifarReader.read(List.of(DataLocator.findAll(dir, Arrays.copyOf(NAMES, 5))), 0);
        // give the channels clearly different statistics, so that one global mean/std would not do
        float[] px = read.pixels().clone();
        for (int i = 0; i < px.length; i++) {
            int c = (i % 3072) / 1024;
            px[i] = c == 0 ? px[i] : c == 1 ? 0.3f + 0.5f * px[i] : 0.2f * px[i];
        }
        LabeledImages train = new LabeledImages(px, read.labels(), 3072, 10);
        double[][] before = channelStats(train.pixels(), 3);
        for (int c = 0; c < 3; c++) {
            assertTrue(before[0][c] > 0.02 && before[1][c] < 0.9, "raw data is not already standardised");
        }
        assertTrue(Math.abs(before[0][1] - before[0][2]) > 0.1 && Math.abs(before[1][0] - before[1][2]) > 0.05,
                Arrays.deepToString(before));
        ChannelNormalization norm = ChannelNormalization.fit(train, 3);
        assertEquals(3, norm.channels());
        for (int c = 0; c < 3; c++) {
            assertEquals(before[0][c], norm.mean()[c], 1e-5);
            assertEquals(before[1][c], norm.std()[c], 1e-5);
        }
        LabeledImages z = norm.apply(train);
        double[][] after = channelStats(z.pixels(), 3);
        for (int c = 0; c < 3; c++) {
            assertEquals(0, after[0][c], 1e-4, "mean of channel " + c);
            assertEquals(1, after[1][c], 1e-4, "std of channel " + c);
        }
        assertArrayEquals(train.labels(), z.labels());
        assertNotEquals(train.pixels()[0], z.pixels()[0]);

        // as a DataSetPreProcessor: the same values for rank-2 and rank-4 features, data type kept
        DataSet ds = train.slice(null, 0, 8, DataType.DOUBLE);
        norm.preProcess(ds);
        assertEquals(DataType.DOUBLE, ds.getFeatures().dataType());
        float[] want = Arrays.copyOf(z.pixels(), 8 * 3072);
        assertArrayEquals(want, FeatureArrays.toFloats(ds.getFeatures()), 1e-5f);
        DataSet ds4 = train.slice(null, 0, 8, DataType.FLOAT);
        ds4.setFeatures(ds4.getFeatures().reshape(8, 3, 32, 32));
        norm.preProcess(ds4);
        assertArrayEquals(new long[]{8, 3, 32, 32}, ds4.getFeatures().shape());
        assertArrayEquals(want, FeatureArrays.toFloats(ds4.getFeatures()), 1e-5f);

        ChannelNormalization std = ChannelNormalization.cifar10();
        assertEquals(0.4914f, std.mean()[0], 0f);
        assertEquals(0.2616f, std.std()[2], 0f);
        assertThrows(IllegalArgumentException.class, () -> new ChannelNormalization(new float[]{0}, new float[]{0}));
        assertThrows(IllegalArgumentException.class, () -> ChannelNormalization.fit(train, 5));
    }

    /** {mean per channel, population std per channel} of channel-major 3072-value rows. */
    private static double[][] channelStats(float[] x, int channels) {
        int plane = 3072 / channels;
        double[] mean = new double[channels];
        double[] sq = new double[channels];
        long n = x.length / channels;
        for (int i = 0; i < x.length; i++) {
            mean[(i % 3072) / plane] += x[i];
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= n;
        }
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - mean[(i % 3072) / plane];
            sq[(i % 3072) / plane] += d * d;
        }
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            std[c] = Math.sqrt(sq[c] / n);
        }
        return new double[][]{mean, std};
    }

    // ---------------------------------------------------------------- augmentation

    /** A 3×32×32 image whose every value is distinct and non-zero: 1 + index. */
    private static float[] numbered() {
        float[] img = new float[3072];
        for (int i = 0; i < img.length; i++) {
            img[i] = i + 1;
        }
        return img;
    }

    private static float[] mirrored(float[] img) {
        float[] m = new float[img.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    m[c * 1024 + y * 32 + x] = img[c * 1024 + y * 32 + (31 - x)];
                }
            }
        }
        return m;
    }

    @Test
    void flipOfAKnownImageIsItsMirror() {
        float[] img = numbered();
        float[] out = new float[3072];
        ImageAugmentation.transform(img, 0, out, 0, 3, 32, 32, 0, 0, true);
        assertArrayEquals(mirrored(img), out);
        assertEquals(32f, out[0], 0f, "top-left takes the top-right pixel");
        ImageAugmentation.transform(img, 0, out, 0, 3, 32, 32, 0, 0, false);
        assertArrayEquals(img, out);

        // flip only (no padding): every example is the image or its mirror, and both happen
        int n = 64;
        float[] batch = new float[n * 3072];
        for (int e = 0; e < n; e++) {
            System.arraycopy(img, 0, batch, e * 3072, 3072);
        }
        new ImageAugmentation(3, 32, 32, 0, true, 7).augment(batch, n);
        int flipped = 0;
        for (int e = 0; e < n; e++) {
            float[] row = Arrays.copyOfRange(batch, e * 3072, (e + 1) * 3072);
            if (Arrays.equals(row, mirrored(img))) {
                flipped++;
            } else {
                assertArrayEquals(img, row, "example " + e + " is neither the image nor its mirror");
            }
        }
        assertTrue(flipped > 10 && flipped < n - 10, "flipped " + flipped + " of " + n);
    }

    @Test
    void paddedCropShiftsByAtMostThePaddingAndFillsZeros() {
        float[] img = numbered();
        int n = 300;
        float[] batch = new float[n * 3072];
        for (int e = 0; e < n; e++) {
            System.arraycopy(img, 0, batch, e * 3072, 3072);
        }
        new ImageAugmentation(3, 32, 32, 4, false, 11).augment(batch, n);
        Set<Integer> dxs = new HashSet<>();
        Set<Integer> dys = new HashSet<>();
        int withZeros = 0;
        for (int e = 0; e < n; e++) {
            int dy = Integer.MIN_VALUE;
            int dx = 0;
            int zeros = 0;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        float v = batch[e * 3072 + c * 1024 + y * 32 + x];
                        if (v == 0) {
                            zeros++;
                            continue;
                        }
                        int src = (int) v - 1;
                        assertEquals(c, src / 1024, "content stays in its channel");
                        int sy = (src % 1024) / 32 - y;
                        int sx = src % 32 - x;
                        if (dy == Integer.MIN_VALUE) {
                            dy = sy;
                            dx = sx;
                        }
                        assertEquals(dy, sy, "one shift per example");
                        assertEquals(dx, sx, "one shift per example");
                    }
                }
            }
            assertTrue(Math.abs(dy) <= 4 && Math.abs(dx) <= 4, "shift " + dy + "," + dx);
            // exactly the uncovered border is zero
            assertEquals(3 * (1024 - (32 - Math.abs(dy)) * (32 - Math.abs(dx))), zeros, "zeros for " + dy + "," + dx);
            if (zeros > 0) {
                withZeros++;
            }
            dys.add(dy);
            dxs.add(dx);
        }
        assertEquals(9, dxs.size(), "every horizontal shift -4..4 occurs: " + dxs);
        assertEquals(9, dys.size(), "every vertical shift -4..4 occurs: " + dys);
        assertTrue(withZeros > n / 2, "padding zeros appear: " + withZeros);

        // the explicit shift: content moves, zeros come in from the border
        float[] out = new float[3072];
        ImageAugmentation.transform(img, 0, out, 0, 3, 32, 32, 0, 4, false);
        assertEquals(img[4], out[0], 0f);
        assertEquals(0f, out[28], 0f);
        assertEquals(0f, out[31], 0f);
        ImageAugmentation.transform(img, 0, out, 0, 3, 32, 32, -4, 0, true);
        assertEquals(0f, out[3 * 32 + 5], 0f);
        assertEquals(img[31], out[4 * 32], 0f);
    }

    @Test
    void augmentationIsSeededAndKeepsShapeAndType() {
        float[] x = new float[16 * 3072];
        Random r = new Random(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        DataSet a = new DataSet(FeatureArrays.fromFloats(x, new long[]{16, 3072}, DataType.FLOAT),
                FeatureArrays.fromFloats(new float[16 * 10], new long[]{16, 10}, DataType.FLOAT));
        DataSet b = a.copy();
        DataSet c = a.copy();
        ImageAugmentation.cifar10(42).preProcess(a);
        ImageAugmentation.cifar10(42).preProcess(b);
        ImageAugmentation.cifar10(43).preProcess(c);
        assertArrayEquals(new long[]{16, 3072}, a.getFeatures().shape());
        assertEquals(a.getFeatures(), b.getFeatures(), "same seed, same output");
        assertNotEquals(a.getFeatures(), c.getFeatures(), "another seed, another output");
        assertNotEquals(FeatureArrays.fromFloats(x, new long[]{16, 3072}, DataType.FLOAT), a.getFeatures());

        // rank 4, double: same values as rank 2 for the same seed
        DataSet d = new DataSet(FeatureArrays.fromFloats(x, new long[]{16, 3, 32, 32}, DataType.DOUBLE), null);
        ImageAugmentation.cifar10(42).preProcess(d);
        assertArrayEquals(new long[]{16, 3, 32, 32}, d.getFeatures().shape());
        assertEquals(DataType.DOUBLE, d.getFeatures().dataType());
        assertArrayEquals(FeatureArrays.toFloats(a.getFeatures()), FeatureArrays.toFloats(d.getFeatures()), 0f);

        DataSet wrong = new DataSet(FeatureArrays.fromFloats(new float[2 * 784], new long[]{2, 784}, DataType.FLOAT),
                null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageAugmentation.cifar10(1).preProcess(wrong));
        assertTrue(e.getMessage().contains("3072"), e.getMessage());
    }

    // ---------------------------------------------------------------- iterator and synthetic data

    @Test
    void shufflingIteratorAppliesItsPreProcessor(@TempDir Path dir) throws IOException {
        SyntheticImages.writeCifarLike(dir, 20, 5);
        LabeledImages train = CifarReader.read(List.of(DataLocator.findAll(dir, Arrays.copyOf(NAMES, 5))), 0);
        ChannelNormalization norm = ChannelNormalization.fit(train, 3);
        ShufflingIterator it = new ShufflingIterator(train, 8, false, 1, DataType.FLOAT);
        it.setPreProcessor(norm);
        INDArray got = it.next().getFeatures();
        float[] want = Arrays.copyOf(norm.apply(train).pixels(), 8 * 3072);
        assertArrayEquals(want, FeatureArrays.toFloats(got), 1e-5f);

        // augmentation then normalisation, chained
        ShufflingIterator aug = new ShufflingIterator(train, 8, false, 1, DataType.FLOAT);
        aug.setPreProcessor(new CompositeDataSetPreProcessor(ImageAugmentation.cifar10(3), norm));
        float[] x = Arrays.copyOf(train.pixels(), 8 * 3072);
        ImageAugmentation.cifar10(3).augment(x, 8);
        norm.apply(x, 3072);
        assertArrayEquals(x, FeatureArrays.toFloats(aug.next().getFeatures()), 1e-5f);
    }

    @Test
    void syntheticCifarIsReadableAndLearnable(@TempDir Path dir) throws IOException {
        SyntheticImages.writeCifarLike(dir, 23, 7);
        Path[] files = new DataLocator(dir, null, dir.resolve("home"), false).cifar10();
        LabeledImages train = LabeledImages.fromCifar(List.of(files).subList(0, 5), 0);
        LabeledImages test = CifarReader.read(files[5], 0);
        assertEquals(23, train.size());
        assertEquals(7, test.size());
        assertTrue(files[1].toString().endsWith(".gz") && !files[0].toString().endsWith(".gz"));
        // the brightest 3-row band of the red+green+blue sum gives the class
        for (LabeledImages d : List.of(train, test)) {
            for (int e = 0; e < d.size(); e++) {
                int best = -1;
                double bestSum = -1;
                for (int y = 0; y < 10; y++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) {
                        for (int p = (3 * y + 1) * 32; p < (3 * y + 4) * 32; p++) {
                            s += d.pixels()[e * 3072 + c * 1024 + p];
                        }
                    }
                    if (s > bestSum) {
                        bestSum = s;
                        best = y;
                    }
                }
                assertEquals(d.labels()[e], best, "example " + e);
            }
        }
        Set<Integer> classes = new HashSet<>();
        for (int y : train.labels()) {
            classes.add(y);
        }
        assertTrue(classes.size() >= 6, "several classes: " + classes);
        assertThrows(IllegalArgumentException.class, () -> SyntheticImages.writeCifarLike(dir, 4, 1));
    }
}
