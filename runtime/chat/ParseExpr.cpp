//===- ParseExpr.cpp - Parser of Jinja templates: expressions -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One function per precedence level, as in jinja2/parser.py. Note that
// filters and tests bind tighter than the binary operators and `not`:
// `not x is none` is `not (x is none)`, `a + b | f` is `a + (b | f)`; a
// unary minus binds tighter still, so `-3 | abs` is `(-3) | abs`.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/ParserImpl.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

absl::StatusOr<ExprPtr> Parser::parseExpression(bool withCondExpr) {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nestingError();
  return withCondExpr ? parseCondExpr() : parseOr();
}

absl::StatusOr<ExprPtr> Parser::parseTuple(bool withCondExpr,
                                           const NameSet &extraEnds,
                                           bool explicitParens) {
  SourceLoc loc = current().loc;
  std::vector<ExprPtr> items;
  bool isTuple = false;
  while (true) {
    if (!items.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    if (isTupleEnd(extraEnds))
      break;
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr item, parseExpression(withCondExpr));
    items.push_back(std::move(item));
    if (!isOp(","))
      break;
    isTuple = true;
  }
  if (!isTuple) {
    if (!items.empty())
      return std::move(items.front());
    if (!explicitParens)
      return errorHere(
          strCat("expected an expression, got ", describe(current())));
  }
  auto tuple = std::make_unique<ListExpr>(loc, true);
  tuple->items = std::move(items);
  return tuple;
}

absl::StatusOr<ExprPtr> Parser::parseCondExpr() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr expr, parseOr());
  while (isName("if")) {
    SourceLoc loc = current().loc;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr test, parseOr());
    ExprPtr elseExpr;
    if (skipName("else")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(elseExpr, parseCondExpr());
    }
    expr = std::make_unique<ConditionalExpr>(
        loc, std::move(test), std::move(expr), std::move(elseExpr));
  }
  return expr;
}

absl::StatusOr<ExprPtr> Parser::parseOr() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr lhs, parseAnd());
  while (isName("or")) {
    SourceLoc loc = current().loc;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr rhs, parseAnd());
    lhs = std::make_unique<BinaryExpr>(loc, BinaryOp::Or, std::move(lhs),
                                       std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<ExprPtr> Parser::parseAnd() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr lhs, parseNot());
  while (isName("and")) {
    SourceLoc loc = current().loc;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr rhs, parseNot());
    lhs = std::make_unique<BinaryExpr>(loc, BinaryOp::And, std::move(lhs),
                                       std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<ExprPtr> Parser::parseNot() {
  if (!isName("not"))
    return parseCompare();
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nestingError();
  SourceLoc loc = current().loc;
  advance();
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr operand, parseNot());
  return std::make_unique<UnaryExpr>(loc, UnaryOp::Not, std::move(operand));
}

/// Maps a comparison operator token to its CompareOp.
static std::optional<CompareOp> compareOpOf(const Token &token) {
  if (token.kind != TokenKind::Operator)
    return std::nullopt;
  static const std::pair<std::string_view, CompareOp> kOps[] = {
      {"==", CompareOp::Eq}, {"!=", CompareOp::Ne}, {"<", CompareOp::Lt},
      {"<=", CompareOp::Le}, {">", CompareOp::Gt},  {">=", CompareOp::Ge}};
  for (const auto &[text, op] : kOps)
    if (token.text == text)
      return op;
  return std::nullopt;
}

absl::StatusOr<ExprPtr> Parser::parseCompare() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr first, parseMath1());
  std::unique_ptr<CompareExpr> compare;
  while (true) {
    SourceLoc loc = current().loc;
    std::optional<CompareOp> op = compareOpOf(current());
    if (op) {
      advance();
    } else if (skipName("in")) {
      op = CompareOp::In;
    } else if (isName("not") && peek().kind == TokenKind::Name &&
               peek().text == "in") {
      advance();
      advance();
      op = CompareOp::NotIn;
    } else {
      break;
    }
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr operand, parseMath1());
    if (!compare)
      compare = std::make_unique<CompareExpr>(loc, std::move(first));
    compare->rest.emplace_back(*op, std::move(operand));
  }
  if (!compare)
    return first;
  return compare;
}

absl::StatusOr<ExprPtr> Parser::parseMath1() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr lhs, parseConcat());
  while (isOp("+") || isOp("-")) {
    SourceLoc loc = current().loc;
    BinaryOp op = isOp("+") ? BinaryOp::Add : BinaryOp::Sub;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr rhs, parseConcat());
    lhs = std::make_unique<BinaryExpr>(loc, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<ExprPtr> Parser::parseConcat() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr first, parseMath2());
  if (!isOp("~"))
    return first;
  auto concat = std::make_unique<ConcatExpr>(current().loc);
  concat->operands.push_back(std::move(first));
  while (skipOp("~")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr operand, parseMath2());
    concat->operands.push_back(std::move(operand));
  }
  return concat;
}

absl::StatusOr<ExprPtr> Parser::parseMath2() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr lhs, parsePow());
  while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
    SourceLoc loc = current().loc;
    BinaryOp op = isOp("*")    ? BinaryOp::Mul
                  : isOp("/")  ? BinaryOp::Div
                  : isOp("//") ? BinaryOp::FloorDiv
                               : BinaryOp::Mod;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr rhs, parsePow());
    lhs = std::make_unique<BinaryExpr>(loc, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<ExprPtr> Parser::parsePow() {
  MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr lhs, parseUnary(true));
  while (isOp("**")) {
    SourceLoc loc = current().loc;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr rhs, parseUnary(true));
    lhs = std::make_unique<BinaryExpr>(loc, BinaryOp::Pow, std::move(lhs),
                                       std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<ExprPtr> Parser::parseUnary(bool withFilter) {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nestingError();
  ExprPtr node;
  if (isOp("-") || isOp("+")) {
    SourceLoc loc = current().loc;
    UnaryOp op = isOp("-") ? UnaryOp::Neg : UnaryOp::Pos;
    advance();
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr operand, parseUnary(false));
    node = std::make_unique<UnaryExpr>(loc, op, std::move(operand));
  } else {
    MOEC_JINJA_ASSIGN_OR_RETURN(node, parsePrimary());
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(node, parsePostfix(std::move(node)));
  if (withFilter) {
    MOEC_JINJA_ASSIGN_OR_RETURN(node, parseFilterExpr(std::move(node)));
  }
  return node;
}

absl::StatusOr<ExprPtr> Parser::parsePrimary() {
  const Token &token = current();
  SourceLoc loc = token.loc;
  switch (token.kind) {
  case TokenKind::Name: {
    std::string name = token.text;
    advance();
    if (name == "true" || name == "True")
      return std::make_unique<LiteralExpr>(loc, Value::boolean(true));
    if (name == "false" || name == "False")
      return std::make_unique<LiteralExpr>(loc, Value::boolean(false));
    if (name == "none" || name == "None")
      return std::make_unique<LiteralExpr>(loc, Value::none());
    return std::make_unique<NameExpr>(loc, std::move(name));
  }
  case TokenKind::String: {
    // Adjacent string literals concatenate, as in Python.
    std::string text;
    while (current().kind == TokenKind::String) {
      text += current().text;
      advance();
    }
    return std::make_unique<LiteralExpr>(loc, Value::string(std::move(text)));
  }
  case TokenKind::Integer: {
    int64_t value = token.intValue;
    advance();
    return std::make_unique<LiteralExpr>(loc, Value::integer(value));
  }
  case TokenKind::Float: {
    double value = token.floatValue;
    advance();
    return std::make_unique<LiteralExpr>(loc, Value::number(value));
  }
  default:
    break;
  }
  if (skipOp("(")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr expr, parseTuple(true, {}, true));
    MOEC_JINJA_RETURN_IF_ERROR(expectOp(")"));
    return expr;
  }
  if (isOp("["))
    return parseList();
  if (isOp("{"))
    return parseDict();
  return errorHere(strCat("expected an expression, got ", describe(token)));
}

absl::StatusOr<ExprPtr> Parser::parseList() {
  auto list = std::make_unique<ListExpr>(current().loc, false);
  advance();
  while (!isOp("]")) {
    if (!list->items.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    if (isOp("]"))
      break;
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr item, parseExpression());
    list->items.push_back(std::move(item));
  }
  advance(); // ]
  return list;
}

absl::StatusOr<ExprPtr> Parser::parseDict() {
  auto dict = std::make_unique<DictExpr>(current().loc);
  advance();
  while (!isOp("}")) {
    if (!dict->items.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    if (isOp("}"))
      break;
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr key, parseExpression());
    MOEC_JINJA_RETURN_IF_ERROR(expectOp(":"));
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
    dict->items.emplace_back(std::move(key), std::move(value));
  }
  advance(); // }
  return dict;
}

absl::StatusOr<ExprPtr> Parser::parsePostfix(ExprPtr node) {
  while (true) {
    if (isOp(".") || isOp("[")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(node, parseSubscript(std::move(node)));
    } else if (isOp("(")) {
      auto call = std::make_unique<CallExpr>(node->loc, std::move(node));
      MOEC_JINJA_RETURN_IF_ERROR(parseCallArgs(call->args));
      node = std::move(call);
    } else {
      return node;
    }
  }
}

absl::StatusOr<ExprPtr> Parser::parseFilterExpr(ExprPtr node) {
  while (true) {
    if (isOp("|")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(node, parseFilter(std::move(node), false));
    } else if (isName("is")) {
      MOEC_JINJA_ASSIGN_OR_RETURN(node, parseTest(std::move(node)));
    } else if (isOp("(")) {
      auto call = std::make_unique<CallExpr>(node->loc, std::move(node));
      MOEC_JINJA_RETURN_IF_ERROR(parseCallArgs(call->args));
      node = std::move(call);
    } else {
      return node;
    }
  }
}

absl::StatusOr<ExprPtr> Parser::parseSubscript(ExprPtr node) {
  if (skipOp(".")) {
    const Token &token = current();
    if (token.kind == TokenKind::Name) {
      std::string name = token.text;
      SourceLoc loc = token.loc;
      advance();
      return std::make_unique<GetAttrExpr>(loc, std::move(node),
                                           std::move(name));
    }
    if (token.kind == TokenKind::Integer) {
      auto index = std::make_unique<LiteralExpr>(
          token.loc, Value::integer(token.intValue));
      SourceLoc loc = token.loc;
      advance();
      return std::make_unique<GetItemExpr>(loc, std::move(node),
                                           std::move(index));
    }
    return errorHere(
        strCat("expected a name or a number after '.', got ", describe(token)));
  }
  SourceLoc loc = current().loc;
  advance(); // [
  std::vector<ExprPtr> args;
  while (!isOp("]")) {
    if (!args.empty())
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr arg, parseSubscribed());
    args.push_back(std::move(arg));
  }
  advance(); // ]
  if (args.empty())
    return templateError(loc, "empty subscript '[]'");
  ExprPtr index;
  if (args.size() == 1) {
    index = std::move(args.front());
  } else {
    auto tuple = std::make_unique<ListExpr>(loc, true);
    tuple->items = std::move(args);
    index = std::move(tuple);
  }
  return std::make_unique<GetItemExpr>(loc, std::move(node), std::move(index));
}

absl::StatusOr<ExprPtr> Parser::parseSubscribed() {
  SourceLoc loc = current().loc;
  auto slice = std::make_unique<SliceExpr>(loc);
  if (!skipOp(":")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr expr, parseExpression());
    if (!skipOp(":"))
      return expr;
    slice->start = std::move(expr);
  }
  if (!isOp(":") && !isOp("]") && !isOp(",")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(slice->stop, parseExpression());
  }
  if (skipOp(":") && !isOp("]") && !isOp(",")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(slice->step, parseExpression());
  }
  return slice;
}

absl::Status Parser::parseCallArgs(ArgExprs &args) {
  MOEC_JINJA_RETURN_IF_ERROR(expectOp("("));
  bool requireComma = false;
  while (!isOp(")")) {
    if (requireComma) {
      MOEC_JINJA_RETURN_IF_ERROR(expectOp(","));
      if (isOp(")"))
        break;
    }
    if (isOp("*") || isOp("**"))
      return unsupportedError(current().loc,
                              "'*args' and '**kwargs' in calls are not "
                              "supported by this Jinja subset");
    if (current().kind == TokenKind::Name &&
        peek().kind == TokenKind::Operator && peek().text == "=") {
      std::string name = current().text;
      advance();
      advance();
      MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
      args.keywords.emplace_back(std::move(name), std::move(value));
    } else {
      if (!args.keywords.empty())
        return errorHere("positional argument follows keyword argument");
      MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
      args.positional.push_back(std::move(value));
    }
    requireComma = true;
  }
  advance(); // )
  return absl::OkStatus();
}

absl::StatusOr<std::string> Parser::parseDottedName() {
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string name, expectName());
  while (skipOp(".")) {
    MOEC_JINJA_ASSIGN_OR_RETURN(std::string part, expectName());
    name += "." + part;
  }
  return name;
}

absl::StatusOr<ExprPtr> Parser::parseFilter(ExprPtr node, bool startInline) {
  while (isOp("|") || startInline) {
    if (!startInline)
      advance();
    startInline = false;
    SourceLoc loc = current().loc;
    MOEC_JINJA_ASSIGN_OR_RETURN(std::string name, parseDottedName());
    // An unknown filter stays null here; checkNames() decides whether that
    // is an error now or only if the filter runs.
    auto filter = std::make_unique<FilterExpr>(loc, std::move(node), name,
                                               findFilter(name));
    if (isOp("("))
      MOEC_JINJA_RETURN_IF_ERROR(parseCallArgs(filter->args));
    node = std::move(filter);
  }
  return node;
}

absl::StatusOr<ExprPtr> Parser::parseTest(ExprPtr node) {
  advance(); // is
  bool negated = skipName("not");
  SourceLoc loc = current().loc;
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string name, parseDottedName());
  // As for filters, checkNames() judges an unknown (null) test.
  auto test = std::make_unique<TestExpr>(loc, std::move(node), name,
                                         findTest(name), negated);
  const Token &token = current();
  bool argumentFollows =
      token.kind == TokenKind::String || token.kind == TokenKind::Integer ||
      token.kind == TokenKind::Float || isOp("[") || isOp("{") ||
      (token.kind == TokenKind::Name && token.text != "else" &&
       token.text != "or" && token.text != "and");
  if (isOp("(")) {
    MOEC_JINJA_RETURN_IF_ERROR(parseCallArgs(test->args));
  } else if (argumentFollows) {
    // `x is divisibleby 3`: one argument without parentheses.
    if (isName("is"))
      return errorHere("tests cannot be chained with 'is'");
    MOEC_JINJA_ASSIGN_OR_RETURN(ExprPtr arg, parsePrimary());
    MOEC_JINJA_ASSIGN_OR_RETURN(arg, parsePostfix(std::move(arg)));
    test->args.positional.push_back(std::move(arg));
  }
  return test;
}

} // namespace moec::runtime::jinja
