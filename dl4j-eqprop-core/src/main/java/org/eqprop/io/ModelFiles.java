package org.eqprop.io;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Saving and restoring networks with DL4J's {@link ModelSerializer}: atomic saves and clear errors on bad files. */
public final class ModelFiles {

    private ModelFiles() {
    }

    /** Saves the network (with its updater state) so that the file is never left half-written. */
    public static void save(MultiLayerNetwork net, Path path) throws IOException {
        AtomicFiles.write(path, out -> ModelSerializer.writeModel(net, out, true));
    }

    /** Restores a network, or explains why the file cannot be one. */
    public static MultiLayerNetwork load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("model file not found: " + path);
        }
        try {
            return ModelSerializer.restoreMultiLayerNetwork(path.toFile(), true);
        } catch (Exception e) {
            throw new IOException("cannot read model file " + path + ": not a DL4J model zip or corrupt ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }
}
