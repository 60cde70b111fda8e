//===- ParserImpl.h - The parser's state, shared by its files ---*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The Parser class behind parseTemplate(): Parser.cpp parses statements,
// ParseExpr.cpp expressions. Only those two files include this header.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_PARSERIMPL_H
#define MOEC_RUNTIME_CHAT_PARSERIMPL_H

#include "runtime/chat/Ast.h"
#include "runtime/chat/Lexer.h"

#include "absl/status/statusor.h"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::jinja {

/// How deeply statements and expressions may nest. Templates are data from
/// model folders; a bound keeps a hostile one from exhausting the stack.
inline constexpr int kMaxNesting = 100;

/// Names that end a tuple or a list of statements ("in", "endfor", ...).
using NameSet = std::vector<std::string_view>;

class Parser {
public:
  explicit Parser(std::vector<Token> tokens) : tokens(std::move(tokens)) {}

  absl::StatusOr<TemplateAst> parse();

private:
  // Statements (Parser.cpp).
  absl::StatusOr<Body> subparse(const NameSet *ends);
  absl::StatusOr<Body> parseBody(NameSet ends, std::string_view openName,
                                 SourceLoc openLoc);
  absl::StatusOr<StmtPtr> parseStatement();
  absl::StatusOr<StmtPtr> parseIf();
  absl::StatusOr<StmtPtr> parseFor();
  absl::StatusOr<StmtPtr> parseSet();
  absl::StatusOr<StmtPtr> parseMacro();
  absl::StatusOr<StmtPtr> parseFilterBlock();
  absl::StatusOr<StmtPtr> parseWith();
  absl::StatusOr<StmtPtr> parsePrintStatement();
  absl::StatusOr<StmtPtr> parseGeneration();
  absl::StatusOr<StmtPtr> parseLoopControl();
  absl::Status unexpectedEndTag(const Token &token) const;
  absl::StatusOr<AssignTarget> parseAssignTarget(bool withTuple,
                                                 bool withNamespace,
                                                 const NameSet &extraEnds);

  // Expressions (ParseExpr.cpp).
  absl::StatusOr<ExprPtr> parseExpression(bool withCondExpr = true);
  absl::StatusOr<ExprPtr>
  parseTuple(bool withCondExpr, const NameSet &extraEnds, bool explicitParens);
  absl::StatusOr<ExprPtr> parseFilter(ExprPtr node, bool startInline);
  absl::StatusOr<ExprPtr> parseCondExpr();
  absl::StatusOr<ExprPtr> parseOr();
  absl::StatusOr<ExprPtr> parseAnd();
  absl::StatusOr<ExprPtr> parseNot();
  absl::StatusOr<ExprPtr> parseCompare();
  absl::StatusOr<ExprPtr> parseMath1();
  absl::StatusOr<ExprPtr> parseConcat();
  absl::StatusOr<ExprPtr> parseMath2();
  absl::StatusOr<ExprPtr> parsePow();
  absl::StatusOr<ExprPtr> parseUnary(bool withFilter);
  absl::StatusOr<ExprPtr> parsePrimary();
  absl::StatusOr<ExprPtr> parseList();
  absl::StatusOr<ExprPtr> parseDict();
  absl::StatusOr<ExprPtr> parsePostfix(ExprPtr node);
  absl::StatusOr<ExprPtr> parseFilterExpr(ExprPtr node);
  absl::StatusOr<ExprPtr> parseSubscript(ExprPtr node);
  absl::StatusOr<ExprPtr> parseSubscribed();
  absl::StatusOr<ExprPtr> parseTest(ExprPtr node);
  absl::Status parseCallArgs(ArgExprs &args);
  absl::StatusOr<std::string> parseDottedName();

  // Token helpers (Parser.cpp).
  const Token &current() const { return tokens[index]; }
  const Token &peek() const {
    return tokens[index + 1 < tokens.size() ? index + 1 : index];
  }
  void advance() {
    if (index + 1 < tokens.size())
      ++index;
  }
  bool isName(std::string_view name) const {
    return current().kind == TokenKind::Name && current().text == name;
  }
  bool isOp(std::string_view op) const {
    return current().kind == TokenKind::Operator && current().text == op;
  }
  bool skipName(std::string_view name);
  bool skipOp(std::string_view op);
  bool isTupleEnd(const NameSet &extraEnds) const;
  absl::Status expectOp(std::string_view op);
  absl::StatusOr<std::string> expectName();
  absl::Status expect(TokenKind kind);
  absl::Status errorHere(std::string_view message) const;
  static std::string describe(const Token &token);

  /// Counts nesting while alive; fails past kMaxNesting.
  struct NestingGuard {
    explicit NestingGuard(Parser &parser) : parser(parser) { ++parser.depth; }
    ~NestingGuard() { --parser.depth; }
    bool tooDeep() const { return parser.depth > kMaxNesting; }
    Parser &parser;
  };
  absl::Status nestingError() const;

  /// A statement whose body is being parsed, for end-of-template errors.
  struct OpenBlock {
    std::string name;
    SourceLoc loc;
    NameSet ends;
  };

  std::vector<Token> tokens;
  size_t index = 0;
  std::vector<OpenBlock> openBlocks;
  int depth = 0;
  int loopDepth = 0;
};

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_PARSERIMPL_H
