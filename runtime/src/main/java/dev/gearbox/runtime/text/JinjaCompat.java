package dev.gearbox.runtime.text;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import jinjava.javax.el.CompositeELResolver;

/** Jinjava settings that make it behave like the Python Jinja2 that HF chat templates target. */
final class JinjaCompat {
  private JinjaCompat() {}

  static JinjavaConfig config() {
    // HF compiles templates with trim_blocks and lstrip_blocks; Jinjava by default also ignores
    // `{{-`/`{#-` whitespace control and uses its own operator precedence, unlike Jinja2.
    LegacyOverrides jinja2Semantics =
        LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withParseWhitespaceControlStrictly(true)
            .withUseNaturalOperatorPrecedence(true)
            .withIterateOverMapKeys(true)
            .withEvaluateMapKeys(true)
            .withKeepNullableLoopValues(true)
            .build();
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withLegacyOverrides(jinja2Semantics)
        .withElResolver(resolver)
        .build();
  }
}
