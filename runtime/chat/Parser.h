//===- Parser.h - Parser of Jinja templates ---------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the recursive-descent parser of the Jinja subset. Its
// grammar and operator precedence are jinja2/parser.py's (Jinja 3.1): `x if c
// else y` < or < and < not < comparisons and `in` < + - < ~ < * / // % < ** <
// filters and tests < unary minus < calls, subscripts and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_PARSER_H
#define MOEC_RUNTIME_CHAT_PARSER_H

#include "runtime/chat/Ast.h"
#include "runtime/chat/Lexer.h"

#include "absl/status/statusor.h"

#include <vector>

namespace moec::runtime::jinja {

/// Parses the tokens of a template (tokenize()'s output), then checks its
/// filter and test names with checkNames().
absl::StatusOr<TemplateAst> parseTemplate(std::vector<Token> tokens);

/// Reports the first filter or test whose name is unknown, as Jinja 3 does
/// when it compiles a template, except inside an `{% if %}` or a
/// conditional expression: there Jinja only fails if the filter or test
/// actually runs (templates guard runtime-specific filters that way), and so
/// does the interpreter.
absl::Status checkNames(const TemplateAst &ast);

/// The error for calling the unknown filter or test `name` (Unimplemented
/// for Jinja's own filters that this subset lacks).
absl::Status unknownFilterError(SourceLoc loc, std::string_view name);
absl::Status unknownTestError(SourceLoc loc, std::string_view name);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_PARSER_H
