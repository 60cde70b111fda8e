//===- Interpreter.cpp - Renders a parsed Jinja template: statements ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Interpreter.h"

#include "runtime/chat/Access.h"
#include "runtime/chat/Printing.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

/// How deeply macros may call each other (recursion included).
static constexpr int kMaxCallDepth = 64;

absl::StatusOr<std::string> Interpreter::render(const TemplateAst &ast,
                                                const JsonValue &context) {
  if (!context.isObject())
    return absl::InvalidArgumentError(
        strCat("the chat template context must be a JSON object, got ",
               jsonKindName(context.kind())));
  auto globals = std::make_shared<Scope>();
  DictData globalFunctions = makeGlobals();
  for (const DictData::Entry &entry : globalFunctions.entries())
    globals->variables[entry.first.asString()] = entry.second;
  scope = std::make_shared<Scope>();
  scope->parent = globals;
  for (const JsonMember &member : *context.asObject())
    scope->variables[member.key] = fromJson(member.value);
  std::string output;
  out = &output;
  MOEC_JINJA_RETURN_IF_ERROR(execBody(ast.body));
  return output;
}

Interpreter::~Interpreter() {
  // Values do not outlive the render, so emptying these cannot be seen.
  for (const std::weak_ptr<Scope> &captured : capturedScopes)
    if (std::shared_ptr<Scope> level = captured.lock())
      level->variables.clear();
  for (const std::weak_ptr<ObjectData> &handle : namespaces)
    if (std::shared_ptr<ObjectData> object = handle.lock())
      object->attributes = DictData();
}

void Interpreter::trackNamespace(const Value &object) {
  namespaces.push_back(object.objectHandle());
}

Interpreter::ScopeGuard::ScopeGuard(Interpreter &interpreter,
                                    std::shared_ptr<Scope> parent)
    : interpreter(interpreter), saved(interpreter.scope) {
  interpreter.scope = std::make_shared<Scope>();
  interpreter.scope->parent = std::move(parent);
}

Value Interpreter::lookup(std::string_view name) const {
  for (const Scope *level = scope.get(); level; level = level->parent.get()) {
    auto it = level->variables.find(name);
    if (it != level->variables.end())
      return it->second;
  }
  return Value::undefined(strCat("'", name, "' is undefined"));
}

absl::Status Interpreter::execBody(const Body &body) {
  for (const StmtPtr &stmt : body) {
    MOEC_JINJA_RETURN_IF_ERROR(exec(*stmt));
    if (flow != Flow::Normal)
      break;
  }
  return absl::OkStatus();
}

absl::Status Interpreter::exec(const Stmt &stmt) {
  switch (stmt.kind) {
  case StmtKind::Data:
    *out += static_cast<const DataStmt &>(stmt).text;
    return absl::OkStatus();
  case StmtKind::Print: {
    MOEC_JINJA_ASSIGN_OR_RETURN(
        Value value, eval(*static_cast<const PrintStmt &>(stmt).expr));
    *out += pyStr(value);
    return absl::OkStatus();
  }
  case StmtKind::If:
    return execIf(static_cast<const IfStmt &>(stmt));
  case StmtKind::For:
    return execFor(static_cast<const ForStmt &>(stmt));
  case StmtKind::Set: {
    const auto &set = static_cast<const SetStmt &>(stmt);
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*set.value));
    return assign(set.target, value);
  }
  case StmtKind::SetBlock:
    return execSetBlock(static_cast<const SetBlockStmt &>(stmt));
  case StmtKind::Macro:
    return defineMacro(static_cast<const MacroStmt &>(stmt));
  case StmtKind::FilterBlock:
    return execFilterBlock(static_cast<const FilterBlockStmt &>(stmt));
  case StmtKind::With:
    return execWith(static_cast<const WithStmt &>(stmt));
  case StmtKind::Break:
    flow = Flow::Break;
    return absl::OkStatus();
  case StmtKind::Continue:
    flow = Flow::Continue;
    return absl::OkStatus();
  case StmtKind::Block:
    return execBody(static_cast<const BlockStmt &>(stmt).body);
  }
  return absl::InternalError("unknown statement kind");
}

absl::Status Interpreter::execIf(const IfStmt &stmt) {
  for (const auto &[test, body] : stmt.branches) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value condition, eval(*test));
    if (isTruthy(condition))
      return execBody(body);
  }
  return execBody(stmt.elseBody);
}

absl::Status Interpreter::assign(const AssignTarget &target,
                                 const Value &value) {
  if (!target.attribute.empty()) {
    Value object = lookup(target.names[0]);
    if (!object.isObject() || !object.asObject().assignable)
      return templateError(target.loc,
                           strCat("cannot assign attribute '", target.attribute,
                                  "' on '", target.names[0],
                                  "', which is not a namespace()"));
    object.asObject().attributes.set(Value::string(target.attribute), value);
    return absl::OkStatus();
  }
  if (!target.isTuple) {
    scope->variables[target.names[0]] = value;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Value>> items = iterate(value);
  if (!items.ok())
    return templateError(
        target.loc,
        strCat("cannot unpack: ", toStdView(items.status().message())));
  if (items->size() != target.names.size())
    return templateError(target.loc, strCat("cannot unpack ", items->size(),
                                            " value(s) into ",
                                            target.names.size(), " names"));
  for (size_t i = 0; i < items->size(); ++i)
    scope->variables[target.names[i]] = (*items)[i];
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Value>>
Interpreter::filterLoopItems(const ForStmt &stmt, std::vector<Value> items) {
  if (!stmt.condition)
    return items;
  // The condition sees the loop variables but not `loop`, as in Jinja.
  std::vector<Value> kept;
  for (Value &item : items) {
    ScopeGuard guard(*this, scope);
    MOEC_JINJA_RETURN_IF_ERROR(assign(stmt.target, item));
    MOEC_JINJA_ASSIGN_OR_RETURN(Value keep, eval(*stmt.condition));
    if (isTruthy(keep))
      kept.push_back(std::move(item));
  }
  return kept;
}

/// Calls loop.cycle(a, b, ...): the argument at loop.index0 modulo their
/// count.
static Value makeCycle(size_t index) {
  return Value::callable(
      "cycle",
      [index](Interpreter &, CallArgs args,
              SourceLoc loc) -> absl::StatusOr<Value> {
        if (args.positional.empty())
          return templateError(loc, "loop.cycle(): no items for cycling "
                                    "given");
        return args.positional[index % args.positional.size()];
      });
}

Value Interpreter::makeLoopObject(const std::vector<Value> &items,
                                  size_t index) const {
  int64_t length = static_cast<int64_t>(items.size());
  int64_t position = static_cast<int64_t>(index);
  DictData loop;
  auto set = [&](std::string_view name, Value value) {
    loop.set(Value::string(std::string(name)), std::move(value));
  };
  set("index", Value::integer(position + 1));
  set("index0", Value::integer(position));
  set("revindex", Value::integer(length - position));
  set("revindex0", Value::integer(length - position - 1));
  set("first", Value::boolean(index == 0));
  set("last", Value::boolean(index + 1 == items.size()));
  set("length", Value::integer(length));
  set("depth", Value::integer(1));
  set("depth0", Value::integer(0));
  set("previtem", index > 0 ? items[index - 1]
                            : Value::undefined("there is no previous item"));
  set("nextitem", index + 1 < items.size()
                      ? items[index + 1]
                      : Value::undefined("there is no next item"));
  set("cycle", makeCycle(index));
  return Value::object("LoopContext", std::move(loop), false);
}

absl::Status Interpreter::execFor(const ForStmt &stmt) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value iterable, eval(*stmt.iterable));
  absl::StatusOr<std::vector<Value>> all = iterate(iterable);
  if (!all.ok())
    return templateError(stmt.iterable->loc, toStdView(all.status().message()));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              filterLoopItems(stmt, std::move(*all)));
  if (items.empty())
    return execBody(stmt.elseBody);
  for (size_t i = 0; i < items.size(); ++i) {
    MOEC_JINJA_RETURN_IF_ERROR(runLoopBody(stmt, items, i));
    Flow result = flow;
    flow = Flow::Normal;
    if (result == Flow::Break)
      break;
  }
  return absl::OkStatus();
}

absl::Status Interpreter::runLoopBody(const ForStmt &stmt,
                                      const std::vector<Value> &items,
                                      size_t index) {
  // Each iteration gets a fresh scope: a `set` in the body lasts until the
  // end of the iteration only.
  ScopeGuard guard(*this, scope);
  scope->variables["loop"] = makeLoopObject(items, index);
  MOEC_JINJA_RETURN_IF_ERROR(assign(stmt.target, items[index]));
  return execBody(stmt.body);
}

absl::StatusOr<std::string> Interpreter::capture(const Body &body) {
  std::string buffer;
  std::string *saved = out;
  out = &buffer;
  absl::Status status = execBody(body);
  out = saved;
  MOEC_JINJA_RETURN_IF_ERROR(status);
  return buffer;
}

absl::Status Interpreter::execSetBlock(const SetBlockStmt &stmt) {
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string text, capture(stmt.body));
  Value value = Value::string(std::move(text));
  if (stmt.filter) {
    const Value *saved = blockInput;
    blockInput = &value;
    absl::StatusOr<Value> filtered = eval(*stmt.filter);
    blockInput = saved;
    if (!filtered.ok())
      return filtered.status();
    value = std::move(*filtered);
  }
  return assign(stmt.target, value);
}

absl::Status Interpreter::execFilterBlock(const FilterBlockStmt &stmt) {
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string text, capture(stmt.body));
  Value value = Value::string(std::move(text));
  const Value *saved = blockInput;
  blockInput = &value;
  absl::StatusOr<Value> filtered = eval(*stmt.filter);
  blockInput = saved;
  if (!filtered.ok())
    return filtered.status();
  *out += pyStr(*filtered);
  return absl::OkStatus();
}

absl::Status Interpreter::execWith(const WithStmt &stmt) {
  // The values are computed in the enclosing scope, then bound in a new one.
  std::vector<Value> values;
  for (const auto &[target, expr] : stmt.assignments) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*expr));
    values.push_back(std::move(value));
  }
  ScopeGuard guard(*this, scope);
  for (size_t i = 0; i < values.size(); ++i)
    MOEC_JINJA_RETURN_IF_ERROR(assign(stmt.assignments[i].first, values[i]));
  return execBody(stmt.body);
}

absl::Status Interpreter::defineMacro(const MacroStmt &stmt) {
  std::shared_ptr<Scope> definitionScope = scope;
  capturedScopes.push_back(definitionScope);
  const MacroStmt *macro = &stmt;
  scope->variables[stmt.name] = Value::callable(
      stmt.name, [macro, definitionScope](Interpreter &interpreter,
                                          CallArgs args, SourceLoc loc) {
        return interpreter.callMacro(*macro, definitionScope, std::move(args),
                                     loc);
      });
  return absl::OkStatus();
}

absl::Status Interpreter::bindMacroArguments(const MacroStmt &macro,
                                             CallArgs args) {
  // Extra arguments go to varargs and kwargs, as Jinja passes them to macros
  // that use those names.
  std::vector<Value> varargs;
  DictData kwargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < macro.params.size())
      scope->variables[macro.params[i].name] = std::move(args.positional[i]);
    else
      varargs.push_back(std::move(args.positional[i]));
  }
  for (auto &[name, value] : args.keywords) {
    bool isParam = false;
    for (const MacroParam &param : macro.params)
      isParam |= param.name == name;
    if (isParam)
      scope->variables[name] = std::move(value);
    else
      kwargs.set(Value::string(name), std::move(value));
  }
  scope->variables["varargs"] = Value::list(std::move(varargs));
  scope->variables["kwargs"] = Value::dict(std::move(kwargs));
  // Defaults are computed at call time, in the macro's scope, so that they
  // may use earlier parameters; a parameter without one is undefined.
  for (const MacroParam &param : macro.params) {
    if (scope->variables.count(param.name))
      continue;
    if (!param.defaultValue) {
      scope->variables[param.name] = Value::undefined(
          strCat("parameter '", param.name, "' was not provided"));
      continue;
    }
    MOEC_JINJA_ASSIGN_OR_RETURN(scope->variables[param.name],
                                eval(*param.defaultValue));
  }
  return absl::OkStatus();
}

absl::StatusOr<Value>
Interpreter::callMacro(const MacroStmt &macro,
                       const std::shared_ptr<Scope> &definitionScope,
                       CallArgs args, SourceLoc loc) {
  if (callDepth >= kMaxCallDepth)
    return templateError(loc, strCat("macro '", macro.name,
                                     "': calls nest deeper than ",
                                     kMaxCallDepth, " levels"));
  ++callDepth;
  ScopeGuard guard(*this, definitionScope);
  absl::Status status = bindMacroArguments(macro, std::move(args));
  absl::StatusOr<std::string> text =
      status.ok() ? capture(macro.body) : absl::StatusOr<std::string>(status);
  flow = Flow::Normal;
  --callDepth;
  if (!text.ok())
    return text.status();
  return Value::string(std::move(*text));
}

} // namespace moec::runtime::jinja
