package org.eqprop.nn.conf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocks refuse ND4J's CUDA backend with a message that says why and what to use instead. */
class BackendTest {

    @Test
    void theCudaBackendIsRefusedClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LayerWiring.requireHostBuffers(false, "JCublasBackend"));
        assertTrue(e.getMessage().contains("JCublasBackend") && e.getMessage().contains("nd4j-native")
                && e.getMessage().contains("dl4j-eqprop-cuda"), e.getMessage());
        assertDoesNotThrow(() -> LayerWiring.requireHostBuffers(true, "CpuBackend"));
    }
}
