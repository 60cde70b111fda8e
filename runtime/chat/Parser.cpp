//===- Parser.cpp - Parser of Jinja templates: statements -----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Statements follow jinja2/parser.py: a body is parsed up to one of the names
// that may end it ("endfor" or "else" for a for loop), which the statement
// then consumes. The parser also reports, where they are written, the
// constructs the interpreter does not implement.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Parser.h"

#include "runtime/chat/ParserImpl.h"

#include "runtime/StringUtil.h"

#include <algorithm>

namespace moec::runtime::jinja {

//===----------------------------------------------------------------------===//
// Token helpers
//===----------------------------------------------------------------------===//

std::string Parser::describe(const Token &token) {
  switch (token.kind) {
  case TokenKind::Data:
    return "template data";
  case TokenKind::VariableBegin:
    return "'{{'";
  case TokenKind::VariableEnd:
    return "'}}'";
  case TokenKind::BlockBegin:
    return "'{%'";
  case TokenKind::BlockEnd:
    return "'%}'";
  case TokenKind::String:
    return "a string";
  case TokenKind::Integer:
  case TokenKind::Float:
    return "a number";
  case TokenKind::Eof:
    return "the end of the template";
  default:
    return "'" + token.text + "'";
  }
}

absl::Status Parser::errorHere(std::string_view message) const {
  return templateError(current().loc, message);
}

absl::Status Parser::nestingError() const {
  return errorHere(
      strCat("the template nests deeper than ", kMaxNesting, " levels"));
}

bool Parser::skipName(std::string_view name) {
  if (!isName(name))
    return false;
  advance();
  return true;
}

bool Parser::skipOp(std::string_view op) {
  if (!isOp(op))
    return false;
  advance();
  return true;
}

bool Parser::isTupleEnd(const NameSet &extraEnds) const {
  const Token &token = current();
  if (token.kind == TokenKind::VariableEnd ||
      token.kind == TokenKind::BlockEnd || isOp(")"))
    return true;
  return token.kind == TokenKind::Name &&
         std::find(extraEnds.begin(), extraEnds.end(), token.text) !=
             extraEnds.end();
}

absl::Status Parser::expectOp(std::string_view op) {
  if (skipOp(op))
    return absl::OkStatus();
  return errorHere(strCat("expected '", op, "', got ", describe(current())));
}

absl::StatusOr<std::string> Parser::expectName() {
  if (current().kind != TokenKind::Name)
    return errorHere(strCat("expected a name, got ", describe(current())));
  std::string name = current().text;
  advance();
  return name;
}

absl::Status Parser::expect(TokenKind kind) {
  if (current().kind == kind) {
    advance();
    return absl::OkStatus();
  }
  Token wanted;
  wanted.kind = kind;
  return errorHere(
      strCat("expected ", describe(wanted), ", got ", describe(current())));
}

//===----------------------------------------------------------------------===//
// Bodies
//===----------------------------------------------------------------------===//

absl::StatusOr<TemplateAst> Parser::parse() {
  TemplateAst ast;
  MOEC_JINJA_ASSIGN_OR_RETURN(ast.body, subparse(nullptr));
  return ast;
}

/// Joins names as "'a' or 'b'".
static std::string quoteNames(const NameSet &names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i)
    text += strCat(i ? " or " : "", "'", names[i], "'");
  return text;
}

absl::StatusOr<Body> Parser::subparse(const NameSet *ends) {
  Body body;
  while (true) {
    const Token &token = current();
    switch (token.kind) {
    case TokenKind::Data:
      body.push_back(std::make_unique<DataStmt>(token.loc, token.text));
      advance();
      break;
    case TokenKind::VariableBegin: {
      SourceLoc loc = token.loc;
      advance();
      MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr expr, parseTuple(true, {}, false));
      MOEC_JINJA_RETURN_IF_ERROR(expect(TokenKind::VariableEnd));
      body.push_back(std::make_unique<PrintStmt>(loc, std::move(expr)));
      break;
    }
    case TokenKind::BlockBegin: {
      advance();
      if (ends && current().kind == TokenKind::Name &&
          std::find(ends->begin(), ends->end(), current().text) != ends->end())
        return body;
      MOEC_JINJA_ASSIGN_OR_RETURN(StmtPtr stmt, parseStatement());
      MOEC_JINJA_RETURN_IF_ERROR(expect(TokenKind::BlockEnd));
      body.push_back(std::move(stmt));
      break;
    }
    case TokenKind::Eof:
      if (!ends)
        return body;
      return errorHere(
          strCat("unexpected end of template: the '", openBlocks.back().name,
                 "' opened at ", openBlocks.back().loc.line, ":",
                 openBlocks.back().loc.column, " is never closed (expected ",
                 quoteNames(*ends), ")"));
    default:
      return errorHere(strCat("unexpected ", describe(token)));
    }
  }
}

absl::StatusOr<Body> Parser::parseBody(NameSet ends, std::string_view openName,
                                       SourceLoc openLoc) {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nestingError();
  // Jinja accepts a colon before the end of a block tag, as in Python.
  skipOp(":");
  MOEC_JINJA_RETURN_IF_ERROR(expect(TokenKind::BlockEnd));
  openBlocks.push_back({std::string(openName), openLoc, ends});
  // `ends` is a local copy: nested bodies grow openBlocks and would
  // invalidate a pointer into it.
  absl::StatusOr<Body> body = subparse(&ends);
  openBlocks.pop_back();
  return body;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

/// Names that only close or continue a block.
static bool isEndTagName(std::string_view name) {
  static const std::string_view kNames[] = {
      "elif",     "else",          "endif",         "endfor",   "endset",
      "endmacro", "endfilter",     "endwith",       "endraw",   "endcall",
      "endblock", "endgeneration", "endautoescape", "endtrans", "pluralize"};
  return std::find(std::begin(kNames), std::end(kNames), name) !=
         std::end(kNames);
}

/// Jinja statements this subset does not implement.
static bool isUnsupportedStatement(std::string_view name) {
  static const std::string_view kNames[] = {"autoescape", "block",   "call",
                                            "do",         "extends", "from",
                                            "import",     "include", "trans"};
  return std::find(std::begin(kNames), std::end(kNames), name) !=
         std::end(kNames);
}

absl::Status Parser::unexpectedEndTag(const Token &token) const {
  if (openBlocks.empty())
    return templateError(
        token.loc, strCat("unexpected '", token.text, "': no block is open"));
  const OpenBlock &open = openBlocks.back();
  return templateError(token.loc, strCat("unexpected '", token.text,
                                         "': the innermost open "
                                         "block is the '",
                                         open.name, "' at ", open.loc.line, ":",
                                         open.loc.column, ", which expects ",
                                         quoteNames(open.ends)));
}

absl::StatusOr<StmtPtr> Parser::parseStatement() {
  const Token &token = current();
  if (token.kind != TokenKind::Name)
    return errorHere(
        strCat("expected a statement name after '{%', got ", describe(token)));
  const std::string &name = token.text;
  if (name == "if")
    return parseIf();
  if (name == "for")
    return parseFor();
  if (name == "set")
    return parseSet();
  if (name == "macro")
    return parseMacro();
  if (name == "filter")
    return parseFilterBlock();
  if (name == "with")
    return parseWith();
  if (name == "print")
    return parsePrintStatement();
  if (name == "generation")
    return parseGeneration();
  if (name == "break" || name == "continue")
    return parseLoopControl();
  if (isEndTagName(name))
    return unexpectedEndTag(token);
  if (isUnsupportedStatement(name))
    return unsupportedError(token.loc,
                            strCat("the '{% ", name,
                                   " %}' statement is not "
                                   "supported by this Jinja subset"));
  return errorHere(strCat("unknown statement '", name, "'"));
}

absl::StatusOr<StmtPtr> Parser::parseIf() {
  auto stmt = std::make_unique<IfStmt>(current().loc);
  advance();
  while (true) {
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr test, parseTuple(false, {}, false));
    MOEC_JINJA_ASSIGN_OR_RETURN(
        Body body, parseBody({"elif", "else", "endif"}, "if", stmt->loc));
    stmt->branches.emplace_back(std::move(test), std::move(body));
    if (skipName("elif"))
      continue;
    if (skipName("else")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(stmt->elseBody,
                                  parseBody({"endif"}, "if", stmt->loc));
    }
    advance(); // endif
    return stmt;
  }
}

absl::StatusOr<StmtPtr> Parser::parseFor() {
  auto stmt = std::make_unique<ForStmt>(current().loc);
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->target,
                              parseAssignTarget(true, false, {"in"}));
  if (!skipName("in"))
    return errorHere(strCat("expected 'in', got ", describe(current())));
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->iterable,
                              parseTuple(false, {"recursive"}, false));
  if (skipName("if")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(stmt->condition, parseExpression());
  }
  if (isName("recursive"))
    return unsupportedError(current().loc,
                            "recursive for loops are not supported by this "
                            "Jinja subset");
  ++loopDepth;
  absl::StatusOr<Body> body = parseBody({"endfor", "else"}, "for", stmt->loc);
  --loopDepth;
  if (!body.ok())
    return body.status();
  stmt->body = std::move(*body);
  if (skipName("else")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(stmt->elseBody,
                                parseBody({"endfor"}, "for", stmt->loc));
  }
  advance(); // endfor
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parseSet() {
  SourceLoc loc = current().loc;
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(AssignTarget target,
                              parseAssignTarget(true, true, {}));
  if (skipOp("=")) {
    auto stmt = std::make_unique<SetStmt>(loc);
    stmt->target = std::move(target);
    MOEC_JINJA_ASSIGN_OR_RETURN(stmt->value, parseTuple(true, {}, false));
    return stmt;
  }
  auto stmt = std::make_unique<SetBlockStmt>(loc);
  stmt->target = std::move(target);
  if (isOp("|")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(stmt->filter, parseFilter(nullptr, false));
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->body, parseBody({"endset"}, "set", loc));
  advance(); // endset
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parseMacro() {
  auto stmt = std::make_unique<MacroStmt>(current().loc);
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->name, expectName());
  MOEC_JINJA_RETURN_IF_ERROR(expectOp("("));
  while (!isOp(")")) {
    if (!stmt->params.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    MacroParam param;
    MOEC_JINJA_ASSIGN_OR_RETURN(param.name, expectName());
    if (skipOp("=")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(param.defaultValue, parseExpression());
    } else if (!stmt->params.empty() && stmt->params.back().defaultValue) {
      return errorHere("non-default argument follows default argument");
    }
    stmt->params.push_back(std::move(param));
  }
  advance(); // )
  // A loop around the definition does not make break legal in the body.
  int savedLoopDepth = loopDepth;
  loopDepth = 0;
  absl::StatusOr<Body> body = parseBody({"endmacro"}, "macro", stmt->loc);
  loopDepth = savedLoopDepth;
  if (!body.ok())
    return body.status();
  stmt->body = std::move(*body);
  advance(); // endmacro
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parseFilterBlock() {
  auto stmt = std::make_unique<FilterBlockStmt>(current().loc);
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->filter, parseFilter(nullptr, true));
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->body,
                              parseBody({"endfilter"}, "filter", stmt->loc));
  advance(); // endfilter
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parseWith() {
  auto stmt = std::make_unique<WithStmt>(current().loc);
  advance();
  while (current().kind != TokenKind::BlockEnd) {
    if (!stmt->assignments.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    MOEC_JINJA_ASSIGN_OR_RETURN(AssignTarget target,
                                parseAssignTarget(true, false, {}));
    MOEC_JINJA_RETURN_IF_ERROR(expectOp("="));
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
    stmt->assignments.emplace_back(std::move(target), std::move(value));
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(stmt->body,
                              parseBody({"endwith"}, "with", stmt->loc));
  advance(); // endwith
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parsePrintStatement() {
  auto stmt = std::make_unique<BlockStmt>(current().loc);
  advance();
  while (current().kind != TokenKind::BlockEnd) {
    if (!stmt->body.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    SourceLoc loc = current().loc;
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr expr, parseExpression());
    stmt->body.push_back(std::make_unique<PrintStmt>(loc, std::move(expr)));
  }
  return stmt;
}

/// Hugging Face's `{% generation %}` marks the assistant's text for
/// training masks; rendering is unaffected.
absl::StatusOr<StmtPtr> Parser::parseGeneration() {
  auto stmt = std::make_unique<BlockStmt>(current().loc);
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(
      stmt->body, parseBody({"endgeneration"}, "generation", stmt->loc));
  advance(); // endgeneration
  return stmt;
}

absl::StatusOr<StmtPtr> Parser::parseLoopControl() {
  const Token &token = current();
  if (loopDepth == 0)
    return errorHere(strCat("'", token.text, "' outside of a for loop"));
  StmtPtr stmt;
  if (token.text == "break")
    stmt = std::make_unique<BreakStmt>(token.loc);
  else
    stmt = std::make_unique<ContinueStmt>(token.loc);
  advance();
  return stmt;
}

/// Literal names that cannot be assigned.
static bool isConstantName(std::string_view name) {
  return name == "true" || name == "false" || name == "none" ||
         name == "True" || name == "False" || name == "None";
}

absl::StatusOr<AssignTarget>
Parser::parseAssignTarget(bool withTuple, bool withNamespace,
                          const NameSet &extraEnds) {
  AssignTarget target;
  target.loc = current().loc;
  while (true) {
    // A trailing comma ends the tuple ("for a, in x").
    if (!target.names.empty() && isTupleEnd(extraEnds))
      break;
    if (current().kind != TokenKind::Name || isConstantName(current().text))
      return errorHere(strCat("cannot assign to ", describe(current())));
    target.names.push_back(current().text);
    advance();
    if (withNamespace && skipOp(".")) {
      if (target.names.size() > 1)
        return errorHere("a namespace attribute cannot be part of a tuple");
      MOEC_JINJA_ASSIGN_OR_RETURN(target.attribute, expectName());
      return target;
    }
    if (!withTuple || !skipOp(","))
      break;
    target.isTuple = true;
  }
  return target;
}

absl::StatusOr<TemplateAst> parseTemplate(std::vector<Token> tokens) {
  MOEC_JINJA_ASSIGN_OR_RETURN(TemplateAst ast,
                              Parser(std::move(tokens)).parse());
  MOEC_JINJA_RETURN_IF_ERROR(checkNames(ast));
  return ast;
}

} // namespace moec::runtime::jinja
