"""智导 commands: build the knowledge base, evaluate it, ask questions."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import console, fail, print_json

kb_app = typer.Typer(help="智导知识库：由政策文档建立索引、评测检索效果。", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("build")
def kb_build(
    directory: Path | None = typer.Argument(
        None, help="政策文档目录（.md/.txt/.docx/.pdf，含子目录）；省略时使用随包的法律法规文本"),
    no_embeddings: bool = typer.Option(False, "--no-embeddings", help="不计算语义向量（只用 BM25 + 词表）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出建库结果"),
) -> None:
    """由文档目录建立（或增量更新）知识库索引，并设为默认知识库。

    例：shebao kb build            （随包的法律法规文本；shebao ask 首次使用时也会自动建立）
        shebao kb build 本机构政策文件目录
    """
    from shebao.assistant.documents import DocumentError
    from shebao.assistant.kb import BUNDLED_CORPUS, DEFAULT_EMBEDDER, build

    try:
        report = build(
            directory if directory is not None else BUNDLED_CORPUS,
            embedder=None if no_embeddings else DEFAULT_EMBEDDER,
            progress=None if as_json else (lambda msg: console.print(msg)),
        )
    except DocumentError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(report.to_dict())
        return
    console.print(
        f"[green]知识库已建立[/green]：{report.files} 个文件，{report.articles} 条条文；"
        f"新处理 {len(report.processed)} 个，复用 {len(report.reused)} 个，移除 {len(report.removed)} 个；"
        f"语义向量：{report.embedder or '无'}；用时 {report.seconds:.1f} 秒。索引：{report.index_dir}"
    )
    for name, why in report.skipped.items():
        console.print(f"[yellow]跳过[/yellow] {name}：{why}")


@kb_app.command("eval")
def kb_eval(
    corpus: Path | None = typer.Option(None, "--corpus", help="文档目录（默认用已建立的知识库）"),
    questions: Path | None = typer.Option(None, "--questions", help="评测题集 YAML（默认用随包的冻结题集）"),
    no_ablations: bool = typer.Option(False, "--no-ablations", help="只评测完整流程，不做逐项对比"),
    no_answers: bool = typer.Option(False, "--no-answers", help="只评测检索，不评测回答（第一句关键事实、领域外拒答）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """评测检索与回答：逐题输出 hit@1、hit@3、MRR 与耗时，并与字二元组 BM25 基线逐项对比；
    再经完整的智导（计算器、本地参数、检索、直接回答）逐题提问：出处命中、第一句关键事实是否正确、领域外问题是否零引用。

    例：shebao kb eval
    """
    from shebao.assistant.answer import Assistant
    from shebao.assistant.evaluation import (
        ABLATIONS,
        evaluate,
        evaluate_answers,
        load_question_set,
        run_ablations,
    )
    from shebao.assistant.kb import KnowledgeBaseNotBuilt, open_knowledge_base
    from shebao.assistant.retrieval import Retriever
    from shebao.assistant.service import NOT_BUILT_MESSAGE

    try:
        kb = open_knowledge_base(corpus, progress=lambda msg: console.print(msg))
    except KnowledgeBaseNotBuilt:
        fail(NOT_BUILT_MESSAGE)
        return
    qs, out_of_scope = load_question_set(questions)
    if no_ablations:
        full_name = list(ABLATIONS)[-1]
        reports = [evaluate(Retriever(kb), qs, name=full_name)]
    else:
        reports = run_ablations(kb, qs)
    full = reports[-1]
    answers = None if no_answers else evaluate_answers(Assistant(kb, Retriever(kb)), qs, out_of_scope)
    if as_json:
        print_json(
            {
                "summary": [r.summary() for r in reports],
                "answers": None if answers is None else {
                    "summary": answers.summary(),
                    "questions": [
                        {"question": r.question, "route": r.route, "rank": r.rank, "correct": r.correct,
                         "first_sentence": r.first, "latency_ms": round(r.latency_ms, 2)} for r in answers.results
                    ],
                    "off_field": [{"question": q, "route": route, "citations": n} for q, route, n in answers.off_field],
                },
                "questions": [
                    {"question": r.question, "rank": r.rank, "top": [list(t) for t in r.top], "latency_ms": round(r.latency_ms, 2)}
                    for r in full.results
                ],
            }
        )
        return
    from rich.table import Table

    table = Table(title=f"逐题结果（{full.name}）", show_lines=False)
    for col in ("#", "问题", "命中名次", "hit@1", "hit@3", "RR", "耗时ms", "第一条结果"):
        table.add_column(col)
    for i, r in enumerate(full.results, 1):
        top = f"{r.top[0][0]} 第{r.top[0][1]}条" if r.top else "-"
        table.add_row(
            str(i), r.question, str(r.rank or "-"), "✓" if r.rank == 1 else "", "✓" if r.rank and r.rank <= 3 else "",
            f"{1 / r.rank:.2f}" if r.rank else "0", f"{r.latency_ms:.1f}", top,
        )
    from shebao.cli.common import out

    out.print(table)
    summary = Table(title=f"合计（{len(qs)} 题）")
    for col in ("配置", "hit@1", "hit@3", "MRR", "p50 ms", "p95 ms"):
        summary.add_column(col)
    for r in reports:
        s = r.summary()
        summary.add_row(r.name, f"{s['hit@1']:.1%}", f"{s['hit@3']:.1%}", f"{s['mrr']:.3f}", f"{s['latency_p50_ms']:.1f}", f"{s['latency_p95_ms']:.1f}")
    out.print(summary)
    if answers is not None:
        wrong = Table(title="回答第一句缺少关键事实的问题")
        for col in ("问题", "路径", "出处名次", "第一句"):
            wrong.add_column(col)
        for r in answers.results:
            if r.correct is False:
                wrong.add_row(r.question, r.route, str(r.rank or "-"), r.first[:60])
        out.print(wrong)
        a = answers.summary()
        table = Table(title="回答（完整智导）")
        for col in ("题数", "hit@1", "hit@3", "关键事实正确", "领域外题数", "领域外有引用", "p50 ms", "p95 ms"):
            table.add_column(col)
        table.add_row(str(a["questions"]), f"{a['hit@1']:.1%}", f"{a['hit@3']:.1%}",
                      f"{a['answer_correct']:.1%}（{a['with_fact']} 题）", str(a["off_field"]),
                      str(a["off_field_with_citations"]), f"{a['latency_p50_ms']:.1f}", f"{a['latency_p95_ms']:.1f}")
        out.print(table)


@app.command("ask")
def ask(
    question: str | None = typer.Argument(None, help="问题，例如：上下班路上被车撞了算工伤吗"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出（answer、citations、policy_references）"),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="另用一个文档目录（首次使用时自动建库）；默认用已建立的知识库，尚未建立时由随包的法律法规文本自动建立"),
    batch: Path | None = typer.Option(None, "--batch", help="批量提问：文件每行一个问题，逐行输出 JSON（- 表示标准输入）"),
    no_rerank: bool = typer.Option(False, "--no-rerank", help="不用语义向量重排（只用 BM25 + 词表）"),
    context: str | None = typer.Option(
        None, "--context", help="上一轮回答的 context（JSON），沿用已知的信息，例如 '{\"kind\":\"unemployment\",\"slots\":{}}'"),
) -> None:
    """向智导提问：依据知识库条文作答，并给出准确出处；退休时间、养老金、失业保险金、工伤待遇等交给计算器。

    缺少会改变答案的信息时会反问；把回答中的 context 用 --context 传回即可接着回答。
    例：shebao ask "失业金能领几个月" --json
        shebao ask "交了7年" --context '{"kind":"unemployment","asks":"period","slots":{}}' --json
    """
    import json

    previous = None
    if context is not None:
        try:
            previous = json.loads(context)
        except json.JSONDecodeError as exc:
            fail(f"--context 不是合法的 JSON：{exc}")
        if isinstance(previous, dict) and "context" in previous and "kind" not in previous:
            previous = previous["context"]  # a whole previous answer was given
        if not isinstance(previous, dict):
            fail("--context 应为一个 JSON 对象（上一轮回答的 context）")
    from shebao.assistant.kb import KnowledgeBaseNotBuilt
    from shebao.assistant.service import NOT_BUILT_MESSAGE, make_assistant

    if question is None and batch is None:
        fail("请给出问题，或用 --batch 文件 批量提问。例：shebao ask \"失业金能领几个月\"")
    try:
        assistant = make_assistant(corpus, rerank=not no_rerank, progress=lambda msg: console.print(msg))
    except KnowledgeBaseNotBuilt:
        fail(NOT_BUILT_MESSAGE)
        return
    if batch is not None:
        stream = sys.stdin if str(batch) == "-" else open(batch, encoding="utf-8")
        with stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    print_json(assistant.ask(line.strip(), previous))
                except Exception as exc:  # noqa: BLE001 - one bad line must not lose the others
                    console.print(f"[red]第 {number} 行出错：[/red]{exc}")
                    print_json({"question": line.strip(), "error": str(exc), "found": False, "citations": []})
        return
    result = assistant.ask(question or "", previous)
    if as_json:
        print_json(result)
        return
    from shebao.cli.common import out

    out.print(result["answer"])
    if result["citations"]:
        out.print("\n[bold]出处[/bold]")
        for n, c in enumerate(result["citations"], 1):
            out.print(f"[{n}] 《{c['law']}》第{c['article']}条" + (f"（{c['chapter']}）" if c.get("chapter") else ""))
    for ref in result.get("policy_references") or []:
        text = ref.get("reference") or " ".join(str(ref.get(k, "")) for k in ("title", "document", "article")).strip()
        if text:
            out.print(f"参数依据：{text}", markup=False)
    if result.get("route") == "clarify" and result.get("context"):
        context_json = json.dumps(result["context"], ensure_ascii=False)
        console.print(f"接着回答：shebao ask \"……\" --context '{context_json}'", markup=False)
