package dev.gearbox.runtime.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementPatternTest {

  @Test
  void repeatsRunLengthItems() {
    assertEquals(List.of("attention", "attention", "attention", "attention"),
        PlacementPattern.expand("attention*4"));
  }

  @Test
  void trailingRepeatAppliesToTheGroupSoFar() {
    List<String> layers = PlacementPattern.expand("fa,gdn*3 x12, fa, gdn");
    assertEquals(50, layers.size());
    assertEquals(List.of("fa", "gdn", "gdn", "gdn", "fa", "gdn"), layers.subList(0, 6));
    assertEquals(List.of("fa", "gdn"), layers.subList(48, 50));
    assertEquals(13, Collections.frequency(layers, "fa"));
  }

  @Test
  void secondRepeatStartsAfterTheFirstGroup() {
    assertEquals(List.of("a", "b", "a", "b", "c", "c", "c"), PlacementPattern.expand("a,b x2, c x3"));
  }

  @Test
  void parenthesisedGroups() {
    assertEquals(List.of("swa", "a", "b", "a", "b"), PlacementPattern.expand("swa, (a,b)x2"));
  }

  @Test
  void explicitListsAndCompactRoundTrip() {
    List<String> layers = PlacementPattern.expand(List.of("kda", "attention", "mamba", "mamba"));
    assertEquals(List.of("kda", "attention", "mamba", "mamba"), layers);
    assertEquals("kda,attention,mamba*2", PlacementPattern.compact(layers));
    assertEquals(layers, PlacementPattern.expand(PlacementPattern.compact(layers)));
  }

  @Test
  void rejectsMalformedPatternsWithPosition() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand("fa,,gdn"));
    assertTrue(e.getMessage().contains("position 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand("fa*"));
    assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand("fa*0"));
    assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand(" "));
    assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand("(fa,gdn x2"));
    IllegalArgumentException big =
        assertThrows(IllegalArgumentException.class, () -> PlacementPattern.expand("fa*4000 x2"));
    assertTrue(big.getMessage().contains("more than 4096"), big.getMessage());
  }
}
