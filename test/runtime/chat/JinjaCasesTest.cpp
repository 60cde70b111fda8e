//===- JinjaCasesTest.cpp - One Jinja construct per case ------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each case renders a small template and compares with the text Python Jinja
// gives with Hugging Face's settings (trim_blocks, lstrip_blocks, loop
// controls, json.dumps(ensure_ascii=False) as tojson). The expectations were
// written from Jinja's documented semantics and are checked against Jinja
// itself by crosscheck_jinja_cases.py, which reads this table: keep every
// case on one form, a name and three raw strings delimited by R"j( and )j"
// (template, context, expected).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

namespace moec::runtime {
namespace {

struct JinjaCase {
  const char *name;
  const char *source;
  const char *context; // a JSON object
  const char *expected;
};

// clang-format off
const JinjaCase kCases[] = {
    // Whitespace control, with trim_blocks and lstrip_blocks on.
    {"trim_blocks", R"j({% if true %}
yes
{% endif %}
done)j", R"j({})j", R"j(yes
done)j"},
    {"lstrip_blocks", R"j(  {% if true %}
  x
  {% endif %}
)j", R"j({})j", R"j(  x
)j"},
    {"minus_strips_both_sides", R"j(a  {%- if true -%}  b  {%- endif -%}  c)j", R"j({})j", R"j(abc)j"},
    {"minus_on_variables", R"j(a

 {{- 'b' -}}

 c)j", R"j({})j", R"j(abc)j"},
    {"plus_keeps_indentation", R"j(  {%+ if true %}x{% endif %})j", R"j({})j", R"j(  x)j"},
    {"plus_keeps_newline", R"j({% if true +%}
x{% endif %})j", R"j({})j", R"j(
x)j"},
    {"comment_is_trimmed", R"j(a
{# note #}
b)j", R"j({})j", R"j(a
b)j"},
    {"comment_with_minus", R"j(a  {#- c -#}  b)j", R"j({})j", R"j(ab)j"},
    {"variables_keep_newline", R"j({{ 'x' }}
y)j", R"j({})j", R"j(x
y)j"},
    {"variables_keep_indentation", R"j(  {{ 'x' }})j", R"j({})j", R"j(  x)j"},
    {"one_trailing_newline_dropped", R"j(x

)j", R"j({})j", R"j(x
)j"},
    {"tag_after_text_keeps_space", R"j(x {% if true %}y{% endif %})j", R"j({})j", R"j(x y)j"},
    {"raw_block", R"j({% raw %}{{ not parsed }}{% endraw %})j", R"j({})j", R"j({{ not parsed }})j"},
    {"nested_indented_blocks", R"j({% for x in [1, 2] %}
    {% if x == 2 %}
    two
    {% else %}
    other
    {% endif %}
{% endfor %})j", R"j({})j", R"j(    other
    two
)j"},

    // for loops.
    {"loop_variables", R"j({% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %})j", R"j({})j", R"j(1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|)j"},
    {"loop_else", R"j({% for x in [] %}x{% else %}empty{% endfor %})j", R"j({})j", R"j(empty)j"},
    {"loop_over_undefined", R"j({% for x in nothing %}x{% else %}none{% endfor %})j", R"j({})j", R"j(none)j"},
    {"loop_filter", R"j({% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.index }}/{{ loop.length }} {% endfor %})j", R"j({})j", R"j(2/1/2 4/2/2 )j"},
    {"loop_dict_items", R"j({% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}{% endfor %})j", R"j({"d": {"b": 1, "a": [2]}})j", R"j(b=1;a=[2];ba)j"},
    {"loop_dict_keys", R"j({% for k in d %}{{ k }}{% endfor %})j", R"j({"d": {"z": 1, "a": 2}})j", R"j(za)j"},
    {"loop_string", R"j({% for c in 'héy' %}[{{ c }}]{% endfor %})j", R"j({})j", R"j([h][é][y])j"},
    {"loop_previtem_nextitem", R"j({% for x in [1, 2, 3] %}{{ loop.previtem|default('-') }}{{ loop.nextitem|default('-') }} {% endfor %})j", R"j({})j", R"j(-2 13 2- )j"},
    {"loop_cycle", R"j({% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %})j", R"j({})j", R"j(aba)j"},
    {"loop_break_continue", R"j({% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %})j", R"j({})j", R"j(0134)j"},
    {"loop_body_scope", R"j({% set a = 1 %}{% for x in [1, 2] %}{% set a = a + x %}{{ a }}{% endfor %}{{ a }})j", R"j({})j", R"j(231)j"},
    {"nested_loops", R"j({% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{% endfor %})j", R"j({})j", R"j(1x1 1y2 2x1 2y2 )j"},
    {"range", R"j({{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }})j", R"j({})j", R"j([0, 1, 2] [1, 3, 5] [5, 3, 1])j"},
    {"reverse_loop_with_index", R"j({%- for m in messages[::-1] %}
{%- set index = (messages|length - 1) - loop.index0 %}
{{- index }}{{ m.role[0] }}
{%- endfor %})j", R"j({"messages": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}]})j", R"j(2a1u0s)j"},

    // set, namespace, with, macros.
    {"namespace", R"j({% set ns = namespace(found=false, n=0) %}{% for x in [1, 2, 3] %}{% if x > 1 %}{% set ns.found = true %}{% set ns.n = ns.n + x %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }})j", R"j({})j", R"j(True 5)j"},
    {"namespace_str", R"j({{ namespace(a=1, b='x') }})j", R"j({})j", R"j(<Namespace {'a': 1, 'b': 'x'}>)j"},
    {"namespace_holding_itself_and_a_macro", R"j({% set ns = namespace(a=1) %}{% set ns.me = ns %}{% macro m() %}x{% endmacro %}{% set ns.m = m %}{{ ns.m() }}{{ ns.me.a }}{{ ns.me.me.a }})j", R"j({})j", R"j(x11)j"},
    {"set_tuple", R"j({% set a, b = 1, 'two' %}{{ a }}{{ b }})j", R"j({})j", R"j(1two)j"},
    {"set_block", R"j({% set x %}Hello {{ 'W' }}{% endset %}[{{ x }}])j", R"j({})j", R"j([Hello W])j"},
    {"set_block_filter", R"j({% set x | upper %}abc{% endset %}{{ x }})j", R"j({})j", R"j(ABC)j"},
    {"set_in_if_is_visible_after", R"j({% if true %}{% set y = 5 %}{% endif %}{{ y }})j", R"j({})j", R"j(5)j"},
    {"set_shadows_context", R"j({% set messages = messages[1:] %}{{ messages|length }})j", R"j({"messages": [1, 2, 3]})j", R"j(2)j"},
    {"with_block", R"j({% with a = 1 %}{{ a }}{% endwith %}[{{ a }}])j", R"j({})j", R"j(1[])j"},
    {"filter_block", R"j({% filter upper %}a{{ 'b' }}{% endfilter %})j", R"j({})j", R"j(AB)j"},
    {"print_statement", R"j({% print 1, 'x' %})j", R"j({})j", R"j(1x)j"},
    {"macro", R"j({% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }})j", R"j({})j", R"j(Hi Bob! Hi Al?)j"},
    {"macro_missing_argument", R"j({% macro f(a) %}[{{ a }}]{% endmacro %}{{ f() }})j", R"j({})j", R"j([])j"},
    {"macro_sees_template_variables", R"j({% set g = 'G' %}{% macro f() %}{{ g }}{{ s }}{% endmacro %}{{ f() }})j", R"j({"s": "S"})j", R"j(GS)j"},
    {"macro_recursion", R"j({% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }})j", R"j({})j", R"j(120)j"},

    // Expressions.
    {"literals", R"j({{ [1, 'a', none, true, 1.5, {'k': [2]}, False, None] }})j", R"j({})j", R"j([1, 'a', None, True, 1.5, {'k': [2]}, False, None])j"},
    {"tuples", R"j({{ (1, 'a') }} {{ (1,) }} {{ () }})j", R"j({})j", R"j((1, 'a') (1,) ())j"},
    {"string_escapes", R"j({{ 'a\tb'|length }} {{ "q\"uote" }} {{ '\u00e9\x41\\' }} {{ 'x\ny' }} {{ 'un\known' }})j", R"j({})j", R"j(3 q"uote éA\ x
y un\known)j"},
    {"adjacent_strings", R"j({{ 'a' "b" 'c' }})j", R"j({})j", R"j(abc)j"},
    {"attribute_and_subscript", R"j({{ m.role }} {{ m['role'] }} {{ m.parts[0].t }} {{ m.parts.0.t }} {{ m.parts[-1]['t'] }})j", R"j({"m": {"role": "user", "parts": [{"t": "x"}]}})j", R"j(user user x x x)j"},
    {"missing_members_are_undefined", R"j({{ m.nothing }}|{{ m.nothing is defined }}|{{ m['nothing'] is undefined }}|{{ xs[5] is defined }})j", R"j({"m": {}, "xs": [1]})j", R"j(|False|True|False)j"},
    {"slicing", R"j({{ xs[1:] }} {{ xs[::-1] }} {{ xs[:-1] }} {{ 'héllo'[1:3] }} {{ 'abc'[::-1] }} {{ xs[::2] }} {{ xs[5:] }} {{ xs[-2:] }})j", R"j({"xs": [1, 2, 3, 4]})j", R"j([2, 3, 4] [4, 3, 2, 1] [1, 2, 3] él cba [1, 3] [] [3, 4])j"},
    {"arithmetic", R"j({{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1.5 + 1 }} {{ 'ab' * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ -3 }} {{ 7.5 // 2 }})j", R"j({})j", R"j(7 9 3.5 2.0 3 -4 1 2 1024 0.5 2.5 abab ab [1, 2] -3 3.0)j"},
    {"concat", R"j({{ 1 ~ 'a' ~ none ~ true ~ 1.0 ~ nothing }})j", R"j({})j", R"j(1aNoneTrue1.0)j"},
    {"comparisons", R"j({{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' == 'a' }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ [1, 2] == [1, 2] }} {{ 'b' > 'a' }} {{ true == 1 }})j", R"j({})j", R"j(True False True True True True False True True True)j"},
    {"logic_returns_operands", R"j({{ true and 'x' }} {{ false or 'y' }} {{ not none }} [{{ 0 or '' }}] {{ none and 1 }})j", R"j({})j", R"j(x y True [] None)j"},
    {"membership", R"j({{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in ['a'] }} {{ 'x' in nothing }} {{ 'tool_calls' in m }})j", R"j({"m": {"role": "assistant", "tool_calls": []}})j", R"j(True True True True False True)j"},
    {"conditional_expression", R"j({{ 'yes' if 1 > 0 else 'no' }} {{ 'yes' if false else 'no' }} [{{ 'x' if false }}])j", R"j({})j", R"j(yes no [])j"},
    {"precedence", R"j({{ not none is none }} {{ not 1 == 2 }} {{ -3|abs }} {{ '1' + 2|string }} {{ 2 * 3 ** 2 }})j", R"j({})j", R"j(False True 3 12 18)j"},
    {"none_and_undefined", R"j({{ none }}|{{ nothing }}|{{ none is none }}|{{ nothing is none }}|{{ none is defined }}|{{ nothing is defined }})j", R"j({})j", R"j(None||True|False|True|False)j"},
    {"python_str_of_numbers", R"j({{ true }} {{ false }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 0.0001 }} {{ 100.0 / 3 }} {{ 12345678901234567.0 }} {{ 1e16 }} {{ 1e15 }} {{ -0.0 }})j", R"j({})j", R"j(True False 1.0 0.30000000000000004 1e+20 1e-05 0.0001 33.333333333333336 1.2345678901234568e+16 1e+16 1000000000000000.0 -0.0)j"},
    {"json_numbers", R"j({{ f }} {{ i }} {{ big }} {{ f|tojson }} {{ n }})j", R"j({"f": 2.50, "i": 3, "big": 1e300, "n": null})j", R"j(2.5 3 1e+300 2.5 None)j"},
    {"repr_of_strings", R"j({{ ["it's", 'say "hi"', 'both \' "', 'tab\there', 'back\\slash', 'é'] }})j", R"j({})j", R"j(["it's", 'say "hi"', 'both \' "', 'tab\there', 'back\\slash', 'é'])j"},
    {"dict_literal_order", R"j({{ {'b': 1, 'a': 2, 1: 'one'} }})j", R"j({})j", R"j({'b': 1, 'a': 2, 1: 'one'})j"},

    // Tests.
    {"type_tests", R"j({{ 'a' is string }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} {{ true is boolean }} {{ {} is mapping }} {{ [] is sequence }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ none is none }} {{ true is true }} {{ 0 is false }} {{ false is false }} {{ true is number }} {{ true is integer }} {{ [] is mapping }})j", R"j({})j", R"j(True True True True True True True True False True True False True True False False)j"},
    {"is_not", R"j({{ 1 is not string }} {{ x is not defined }} {{ none is not none }})j", R"j({})j", R"j(True True False)j"},
    {"tests_with_arguments", R"j({{ 4 is divisibleby 2 }} {{ 5 is divisibleby(2) }} {{ 3 is odd }} {{ 3 is even }} {{ 2 is in [1, 2] }} {{ 'a' is eq 'a' }} {{ 3 is gt 2 }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 1 is sameas 1 }} {{ none is sameas none }})j", R"j({})j", R"j(True False True False True True True True True True True)j"},
    {"content_shape_tests", R"j({% for m in messages %}{{ m.content is string }}/{{ m.content is mapping }}/{{ m.content is iterable }}/{{ m.content is sequence }} {% endfor %})j", R"j({"messages": [{"content": "text"}, {"content": {"a": 1}}, {"content": [1]}, {"content": 3}]})j", R"j(True/False/True/True False/True/True/True False/False/True/True False/False/False/False )j"},
    {"undefined_is_iterable", R"j({{ nothing is iterable }} {{ nothing is sequence }} {{ nothing is mapping }})j", R"j({})j", R"j(True True False)j"},

    // Filters.
    {"trim", R"j([{{ '  a b \n'|trim }}] [{{ 'xxaxx'|trim('x') }}] [{{ nothing|trim }}])j", R"j({})j", R"j([a b] [a] [])j"},
    {"case_filters", R"j({{ 'hello World'|upper }} {{ 'HeLLo'|lower }} {{ 'hello WORLD'|capitalize }} {{ 'hello big-world (x)'|title }} {{ 'éa'|upper }} {{ 'ÀÉ'|lower }})j", R"j({})j", R"j(HELLO WORLD hello Hello world Hello Big-World (X) ÉA àé)j"},
    {"replace", R"j({{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'ab'|replace('', '-') }})j", R"j({})j", R"j(bbb bba -a-b-)j"},
    {"join", R"j({{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ [{'n': 'x'}, {'n': 'y'}]|join('-', attribute='n') }})j", R"j({})j", R"j(1, 2, 3 ab x-y)j"},
    {"first_last", R"j({{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} {{ 'abc'|last }} {{ []|first is defined }})j", R"j({})j", R"j(1 3 a c False)j"},
    {"length", R"j({{ [1, 2]|length }} {{ 'héllo'|length }} {{ {'a': 1}|count }} {{ nothing|length }} {{ messages|length != 0 }})j", R"j({"messages": []})j", R"j(2 5 1 0 False)j"},
    {"default", R"j({{ nothing|default('d') }} {{ none|default('d') }} {{ ''|default('d', true) }} {{ 'v'|d('d') }} {{ m.x|default('mx') }})j", R"j({"m": {}})j", R"j(d None d v mx)j"},
    {"list_items_string", R"j({{ 'ab'|list }} {{ {'a': 1}|items|list }} {{ 1|string ~ 'x' }} {{ {'a': 1}|list }} {{ nothing|items|list }})j", R"j({})j", R"j(['a', 'b'] [('a', 1)] 1x ['a'] [])j"},
    {"int_float_round", R"j({{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ ' 12 '|int }} {{ '0x1A'|int(0, 16) }} {{ '2.5'|float }} {{ 2|float }} {{ 'no'|float }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 3.14159|round(2, 'floor') }} {{ 2.1|round(0, 'ceil') }} {{ 5|round }} {{ 7|round(0, 'floor') }})j", R"j({})j", R"j(42 4 0 7 3 12 26 2.5 2.0 0.0 2.0 4.0 2.67 3.14 3.0 5 7.0)j"},
    {"selectattr_rejectattr_map", R"j({{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }} {{ msgs|rejectattr('role', 'in', ['system', 'tool'])|list|length }} {{ msgs|map(attribute='role')|unique|list }} {{ msgs|selectattr('missing', 'undefined')|list|length }} {{ msgs|selectattr('content')|list|length }} {{ msgs|map(attribute='x', default='-')|join }})j", R"j({"msgs": [{"role": "system", "content": "s"}, {"role": "user", "content": "u1"}, {"role": "tool", "content": ""}, {"role": "user", "content": "u2"}]})j", R"j(u1,u2 2 ['system', 'user', 'tool'] 4 3 ----)j"},
    {"map_with_filter", R"j({{ ['a', 'b']|map('upper')|list }} [{{ [' x ']|map('trim')|first }}] {{ ['ab', 'cd']|map('replace', 'a', 'z')|list }})j", R"j({})j", R"j(['A', 'B'] [x] ['zb', 'cd'])j"},
    {"select_reject", R"j({{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [0, 1, '', 'a']|select|list }} {{ [1, 5, 9]|select('gt', 4)|list }})j", R"j({})j", R"j([1, 3] [2, 4] [1, 'a'] [5, 9])j"},
    {"sort_reverse", R"j({{ [3, 1, 2]|sort }} {{ ['b', 'a', 'C']|sort }} {{ ['b', 'a', 'C']|sort(case_sensitive=true) }} {{ [3, 1, 2]|sort(reverse=true) }} {{ [{'n': 2}, {'n': 1}]|sort(attribute='n')|map(attribute='n')|list }} {{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }})j", R"j({})j", R"j([1, 2, 3] ['a', 'b', 'C'] ['C', 'a', 'b'] [3, 2, 1] [1, 2] [3, 2, 1] cba)j"},
    {"sum_min_max_dictsort", R"j({{ [1, 2, 3]|sum }} {{ [{'v': 2}, {'v': 5}]|sum(attribute='v') }} {{ [3, 1, 2]|min }} {{ ['b', 'A']|max }} {{ {'b': 1, 'a': 2}|dictsort }} {{ [1.5, 2]|sum }})j", R"j({})j", R"j(6 7 1 b [('a', 2), ('b', 1)] 3.5)j"},
    {"indent", R"j({{ 'a
b

c'|indent(2) }}|{{ 'a
b'|indent(2, true) }}|{{ 'a

b'|indent('>', blank=true) }})j", R"j({})j", R"j(a
  b

  c|  a
  b|a
>
>b)j"},
    {"escape_safe_wordcount_center_format", R"j({{ '<b>&"x"'|escape }} {{ '<b>'|safe }} {{ 'hello big world'|wordcount }} [{{ 'ab'|center(6) }}] {{ '%s-%d'|format('a', 3) }} {{ '%s!' % 'hi' }} {{ (-3)|abs }})j", R"j({})j", R"j(&lt;b&gt;&amp;&#34;x&#34; <b> 3 [  ab  ] a-3 hi! 3)j"},

    // tojson as Hugging Face defines it.
    {"tojson_compact", R"j({{ v|tojson }})j", R"j({"v": {"b": 1, "a": [1, 2.5, null, true, "é\n\"q\""], "e": {}, "l": []}})j", R"j({"b": 1, "a": [1, 2.5, null, true, "é\n\"q\""], "e": {}, "l": []})j"},
    {"tojson_indent", R"j({{ v|tojson(indent=2) }})j", R"j({"v": {"b": 1, "a": [1, 2.5, null, true, "é\n\"q\""], "e": {}, "l": [], "o": {"k": "v"}}})j", R"j({
  "b": 1,
  "a": [
    1,
    2.5,
    null,
    true,
    "é\n\"q\""
  ],
  "e": {},
  "l": [],
  "o": {
    "k": "v"
  }
})j"},
    {"tojson_unicode_and_html", R"j({{ 'héllo 😀 <&>'|tojson }} {{ 'a\x01b'|tojson }} {{ 'é😀'|tojson(ensure_ascii=true) }})j", R"j({})j", R"j("héllo 😀 <&>" "a\u0001b" "\u00e9\ud83d\ude00")j"},
    {"tojson_options", R"j({{ {'b': 1, 'a': 2}|tojson(sort_keys=true, separators=[',', ':']) }} {{ [1, [2]]|tojson(indent=0) }} {{ 'x'|tojson }} {{ none|tojson }} {{ (1, 2)|tojson }})j", R"j({})j", R"j({"a":2,"b":1} [
1,
[
2
]
] "x" null [1, 2])j"},
    {"tool_call_arguments", R"j({{- '{"name": "' + call.function.name + '", ' }}{{- '"parameters": ' }}{{- call.function.arguments | tojson }}{{- "}" }})j", R"j({"call": {"function": {"name": "get_weather", "arguments": {"city": "Paris", "units": ["c", "f"], "days": 3}}}})j", R"j({"name": "get_weather", "parameters": {"city": "Paris", "units": ["c", "f"], "days": 3}})j"},

    // Python methods.
    {"string_methods", R"j({{ '  x  '.strip() }}|{{ 'xxa'.lstrip('x') }}|{{ 'a

'.rstrip('
') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a<think>b</think>c'.split('</think>')[-1] }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'Hi'.upper() }}|{{ 'a-b'.replace('-', '+') }}|{{ ', '.join(['x', 'y']) }}|{{ "they're bill".title() }})j", R"j({})j", R"j(x|a|a|['a', 'b', '', 'c']|['a', 'b']|c|True|True|HI|a+b|x, y|They'Re Bill)j"},
    {"more_string_methods", R"j({{ 'a.b.c'.rsplit('.', 1) }} {{ 'héllo'.find('l') }} {{ 'banana'.count('an') }} {{ 'a b c'.split(none, 1) }} {{ 'x\ny'.splitlines() }} {{ '12'.isdigit() }} {{ ' '.isspace() }} {{ 'Ab'.lower() }} {{ 'ab cd'.capitalize() }})j", R"j({})j", R"j(['a.b', 'c'] 2 2 ['a', 'b c'] ['x', 'y'] True True ab Ab cd)j"},
    {"dict_methods", R"j({{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }})j", R"j({"d": {"a": 1, "b": 2}})j", R"j(['a', 'b'] [1, 2] [('a', 1), ('b', 2)] 1 None 0)j"},
    {"method_wins_over_key", R"j({{ d['items'] }} {{ d.items is defined }} {{ d['a'] }})j", R"j({"d": {"items": "key", "a": 1}})j", R"j(key True 1)j"},

    // Unknown filters and tests inside {% if %} or `a if b else c` fail
    // only when they run, as in Jinja 3.
    {"unknown_filter_in_untaken_branch", R"j({% if parse %}{{ s | from_json }}{% else %}{{ s }}{% endif %}{{ s if true else s | nope }}{{ (x is frob) if false }})j", R"j({"s": "{}"})j", R"j({}{})j"},
    {"generation_block", R"j({% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %})j", R"j({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})j", R"j(q|a|)j"},

    // Globals.
    {"globals_are_defined", R"j({{ strftime_now is defined }} {{ raise_exception is defined }} {{ namespace is defined }} {{ range is defined }})j", R"j({})j", R"j(True True True True)j"},
    {"dict_global", R"j({{ dict(a=1, b='x') }})j", R"j({})j", R"j({'a': 1, 'b': 'x'})j"},
};
// clang-format on

class JinjaCaseTest : public ::testing::TestWithParam<JinjaCase> {};

TEST_P(JinjaCaseTest, RendersLikeJinja) {
  const JinjaCase &jinjaCase = GetParam();
  absl::StatusOr<std::string> rendered =
      test::renderTemplate(jinjaCase.source, jinjaCase.context);
  ASSERT_TRUE(rendered.ok()) << test::messageOf(rendered.status());
  EXPECT_EQ(*rendered, jinjaCase.expected) << "template: " << jinjaCase.source;
}

INSTANTIATE_TEST_SUITE_P(Constructs, JinjaCaseTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<JinjaCase> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
} // namespace moec::runtime
