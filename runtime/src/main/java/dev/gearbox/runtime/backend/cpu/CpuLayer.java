package dev.gearbox.runtime.backend.cpu;

import java.util.List;

/** One decoder layer on the CPU: its mixers (by checkpoint order), the two norms and the MLP. */
final class CpuLayer {
  final List<String> mixerNames;
  final CpuMixer[] mixers;
  final float[] inputNorm;
  final float[] postNorm;
  final float normEps;
  final Linear gate;
  final Linear up;
  final Linear down;

  CpuLayer(
      List<String> mixerNames,
      CpuMixer[] mixers,
      float[] inputNorm,
      float[] postNorm,
      float normEps,
      Linear gate,
      Linear up,
      Linear down) {
    this.mixerNames = mixerNames;
    this.mixers = mixers;
    this.inputNorm = inputNorm;
    this.postNorm = postNorm;
    this.normEps = normEps;
    this.gate = gate;
    this.up = up;
    this.down = down;
  }
}
