//===- CheckNames.cpp - Unknown filters and tests -------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Jinja 3 compiles filter and test names in "soft" frames (the test and the
// bodies of an `{% if %}`, and the three parts of `a if b else c`) into a
// check that fails only when the filter or test runs; everywhere else an
// unknown name fails the compilation (jinja2/compiler.py, soft_frame). A
// loop, macro, `with` or block body starts a frame that is not soft again.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Parser.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

absl::Status unknownFilterError(SourceLoc loc, std::string_view name) {
  if (isJinjaFilterName(name))
    return unsupportedError(loc, strCat("the filter '", name,
                                        "' is not supported by this Jinja "
                                        "subset"));
  return templateError(loc, strCat("unknown filter '", name, "'"));
}

absl::Status unknownTestError(SourceLoc loc, std::string_view name) {
  if (isJinjaTestName(name))
    return unsupportedError(loc, strCat("the test '", name,
                                        "' is not supported by this Jinja "
                                        "subset"));
  return templateError(loc, strCat("unknown test '", name, "'"));
}

static absl::Status checkExpr(const Expr *expr, bool soft);

static absl::Status checkArgs(const ArgExprs &args, bool soft) {
  for (const ExprPtr &arg : args.positional)
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(arg.get(), soft));
  for (const auto &keyword : args.keywords)
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(keyword.second.get(), soft));
  return absl::OkStatus();
}

static absl::Status checkFilter(const FilterExpr &filter, bool soft) {
  if (!filter.function && !soft)
    return unknownFilterError(filter.loc, filter.name);
  MOEC_JINJA_RETURN_IF_ERROR(checkExpr(filter.input.get(), soft));
  return checkArgs(filter.args, soft);
}

static absl::Status checkTest(const TestExpr &test, bool soft) {
  if (!test.function && !soft)
    return unknownTestError(test.loc, test.name);
  MOEC_JINJA_RETURN_IF_ERROR(checkExpr(test.input.get(), soft));
  return checkArgs(test.args, soft);
}

/// Checks the operands of the expressions that only hold other
/// expressions.
static absl::Status checkOperands(const Expr &expr, bool soft) {
  switch (expr.kind) {
  case ExprKind::List:
    for (const ExprPtr &item : static_cast<const ListExpr &>(expr).items)
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(item.get(), soft));
    return absl::OkStatus();
  case ExprKind::Dict:
    for (const auto &[key, value] : static_cast<const DictExpr &>(expr).items) {
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(key.get(), soft));
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(value.get(), soft));
    }
    return absl::OkStatus();
  case ExprKind::GetAttr:
    return checkExpr(static_cast<const GetAttrExpr &>(expr).object.get(), soft);
  case ExprKind::GetItem: {
    const auto &item = static_cast<const GetItemExpr &>(expr);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(item.object.get(), soft));
    return checkExpr(item.index.get(), soft);
  }
  case ExprKind::Slice: {
    const auto &slice = static_cast<const SliceExpr &>(expr);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(slice.start.get(), soft));
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(slice.stop.get(), soft));
    return checkExpr(slice.step.get(), soft);
  }
  case ExprKind::Call: {
    const auto &call = static_cast<const CallExpr &>(expr);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(call.callee.get(), soft));
    return checkArgs(call.args, soft);
  }
  case ExprKind::Unary:
    return checkExpr(static_cast<const UnaryExpr &>(expr).operand.get(), soft);
  case ExprKind::Binary: {
    const auto &binary = static_cast<const BinaryExpr &>(expr);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(binary.lhs.get(), soft));
    return checkExpr(binary.rhs.get(), soft);
  }
  case ExprKind::Concat:
    for (const ExprPtr &operand :
         static_cast<const ConcatExpr &>(expr).operands)
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(operand.get(), soft));
    return absl::OkStatus();
  case ExprKind::Compare: {
    const auto &compare = static_cast<const CompareExpr &>(expr);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(compare.first.get(), soft));
    for (const auto &[op, operand] : compare.rest)
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(operand.get(), soft));
    return absl::OkStatus();
  }
  default:
    return absl::OkStatus();
  }
}

static absl::Status checkExpr(const Expr *expr, bool soft) {
  if (!expr)
    return absl::OkStatus();
  if (const auto *filter = dynCast<FilterExpr>(expr))
    return checkFilter(*filter, soft);
  if (const auto *test = dynCast<TestExpr>(expr))
    return checkTest(*test, soft);
  if (const auto *conditional = dynCast<ConditionalExpr>(expr)) {
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(conditional->test.get(), true));
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(conditional->thenExpr.get(), true));
    return checkExpr(conditional->elseExpr.get(), true);
  }
  return checkOperands(*expr, soft);
}

static absl::Status checkBody(const Body &body, bool soft);

static absl::Status checkStmt(const Stmt &stmt, bool soft) {
  switch (stmt.kind) {
  case StmtKind::Print:
    return checkExpr(static_cast<const PrintStmt &>(stmt).expr.get(), soft);
  case StmtKind::If: {
    const auto &ifStmt = static_cast<const IfStmt &>(stmt);
    for (const auto &[test, body] : ifStmt.branches) {
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(test.get(), true));
      MOEC_JINJA_RETURN_IF_ERROR(checkBody(body, true));
    }
    return checkBody(ifStmt.elseBody, true);
  }
  case StmtKind::For: {
    const auto &forStmt = static_cast<const ForStmt &>(stmt);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(forStmt.iterable.get(), soft));
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(forStmt.condition.get(), false));
    MOEC_JINJA_RETURN_IF_ERROR(checkBody(forStmt.body, false));
    return checkBody(forStmt.elseBody, soft);
  }
  case StmtKind::Set:
    return checkExpr(static_cast<const SetStmt &>(stmt).value.get(), soft);
  case StmtKind::SetBlock: {
    const auto &setBlock = static_cast<const SetBlockStmt &>(stmt);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(setBlock.filter.get(), false));
    return checkBody(setBlock.body, false);
  }
  case StmtKind::Macro: {
    const auto &macro = static_cast<const MacroStmt &>(stmt);
    for (const MacroParam &param : macro.params)
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(param.defaultValue.get(), false));
    return checkBody(macro.body, false);
  }
  case StmtKind::FilterBlock: {
    const auto &filterBlock = static_cast<const FilterBlockStmt &>(stmt);
    MOEC_JINJA_RETURN_IF_ERROR(checkExpr(filterBlock.filter.get(), false));
    return checkBody(filterBlock.body, false);
  }
  case StmtKind::With: {
    const auto &with = static_cast<const WithStmt &>(stmt);
    for (const auto &assignment : with.assignments)
      MOEC_JINJA_RETURN_IF_ERROR(checkExpr(assignment.second.get(), soft));
    return checkBody(with.body, false);
  }
  case StmtKind::Block:
    return checkBody(static_cast<const BlockStmt &>(stmt).body, soft);
  default:
    return absl::OkStatus();
  }
}

static absl::Status checkBody(const Body &body, bool soft) {
  for (const StmtPtr &stmt : body)
    MOEC_JINJA_RETURN_IF_ERROR(checkStmt(*stmt, soft));
  return absl::OkStatus();
}

absl::Status checkNames(const TemplateAst &ast) {
  return checkBody(ast.body, false);
}

} // namespace moec::runtime::jinja
