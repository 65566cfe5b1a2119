package org.eqprop.training;

import org.deeplearning4j.earlystopping.EarlyStoppingModelSaver;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.io.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DL4J's {@code LocalFileModelSaver} for EqProp trainers: the best and the latest model of an early-stopping run as
 * {@code bestModel.bin} and {@code latestModel.bin} in a folder, written atomically ({@link ModelFiles#save}), and
 * given back as {@link EqPropNetwork}s (DL4J's saver restores plain networks, which lose the trainer's force).
 */
public final class EqPropFileModelSaver implements EarlyStoppingModelSaver<MultiLayerNetwork> {

    private static final long serialVersionUID = 1L;

    private final String directory;

    public EqPropFileModelSaver(Path directory) throws IOException {
        Files.createDirectories(directory);
        this.directory = directory.toString();
    }

    private Path file(String name) {
        return Path.of(directory, name);
    }

    @Override
    public void saveBestModel(MultiLayerNetwork net, double score) throws IOException {
        ModelFiles.save(net, file("bestModel.bin"));
    }

    @Override
    public void saveLatestModel(MultiLayerNetwork net, double score) throws IOException {
        ModelFiles.save(net, file("latestModel.bin"));
    }

    @Override
    public EqPropNetwork getBestModel() throws IOException {
        return EqPropNetwork.wrap(ModelFiles.load(file("bestModel.bin")));
    }

    @Override
    public EqPropNetwork getLatestModel() throws IOException {
        return EqPropNetwork.wrap(ModelFiles.load(file("latestModel.bin")));
    }

    @Override
    public String toString() {
        return "EqPropFileModelSaver(" + directory + ")";
    }
}
