package org.eqprop.examples.cli;

import org.eqprop.data.ChannelNormalization;
import org.eqprop.data.DataLocator;
import org.eqprop.data.ImageAugmentation;
import org.eqprop.data.LabeledImages;
import org.eqprop.data.ShufflingIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.preprocessor.CompositeDataSetPreProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The data sets of the presets, located as {@link DataLocator} does: MNIST (pixels in [0, 1]) and CIFAR-10
 * (per-channel normalised; the training batches randomly cropped with 4-pixel padding and flipped, Laborieux et al.
 * 2021).
 */
final class Datasets {

    /** A training and a test set with the preprocessing of each. */
    record Data(String name, LabeledImages train, LabeledImages test, DataSetPreProcessor trainPre,
                DataSetPreProcessor testPre, Path location, ImageAugmentation augmentation, String source,
                Map<String, String> sha256) {

        /**
         * The training iterator of a run resumed after {@code epochsDone} whole epochs and {@code examples} examples of
         * the next: the {@code resets} reshuffles the run had made and the augmentation's random draws replayed, so
         * that the batches that follow are those the uninterrupted run would have drawn.
         */
        ShufflingIterator resumedTrainIterator(int batch, long seed, int resets, int epochsDone, int examples) {
            ShufflingIterator it = trainIterator(batch, seed);
            for (int r = 0; r < resets; r++) {
                it.reset();
            }
            it.skip(examples);
            if (augmentation != null) {
                augmentation.skip((long) epochsDone * train.size() + examples);
            }
            return it;
        }

        ShufflingIterator trainIterator(int batch, long seed) {
            ShufflingIterator it = new ShufflingIterator(train, batch, true, seed, DataType.FLOAT);
            if (trainPre != null) {
                it.setPreProcessor(trainPre);
            }
            return it;
        }

        ShufflingIterator testIterator(int batch) {
            ShufflingIterator it = new ShufflingIterator(test, batch, false, 0, DataType.FLOAT);
            if (testPre != null) {
                it.setPreProcessor(testPre);
            }
            return it;
        }
    }

    private Datasets() {
    }

    static Data load(String name, Path dataDir, int trainLimit, int testLimit, boolean augment, long seed)
            throws IOException {
        switch (name) {
            case "mnist": {
                DataLocator locator = DataLocator.standard(dataDir);
                Path[] f = locator.mnist();
                return new Data(name, LabeledImages.fromIdx(f[0], f[1], 10, trainLimit),
                        LabeledImages.fromIdx(f[2], f[3], 10, testLimit), null, null, f[0].getParent(), null,
                        locator.source(), digests(f));
            }
            case "cifar10": {
                DataLocator locator = DataLocator.standard(dataDir);
                Path[] f = locator.cifar10();
                ChannelNormalization norm = ChannelNormalization.cifar10();
                ImageAugmentation augmentation = augment ? ImageAugmentation.cifar10(seed) : null;
                DataSetPreProcessor train = augment ? new CompositeDataSetPreProcessor(augmentation, norm) : norm;
                return new Data(name, LabeledImages.fromCifar(List.of(Arrays.copyOf(f, 5)), trainLimit),
                        LabeledImages.fromCifar(List.of(f[5]), testLimit), train, norm, f[5].getParent(),
                        augmentation, locator.source(), digests(f));
            }
            default:
                throw new IllegalArgumentException("unknown data set " + name);
        }
    }

    /** Each file's name and SHA-256 (as it lies on the disk): what the summary records of the data read. */
    static Map<String, String> digests(Path[] files) throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Path f : files) {
            out.put(f.getFileName().toString(), DataLocator.sha256(f));
        }
        return out;
    }

    /** The data set a network was trained on, from its input size. */
    static String forInputs(long inputs) {
        if (inputs == 784) {
            return "mnist";
        }
        if (inputs == 3072) {
            return "cifar10";
        }
        throw new IllegalArgumentException("no data set with " + inputs + " inputs (MNIST has 784, CIFAR-10 3072)");
    }
}
