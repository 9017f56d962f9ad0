"""The one table of Chinese labels: every code, enumeration, unit, field and action a page shows.

Templates use it through the ``zh`` filter (``{{ b.kind | zh('benefit_kind') }}``); Python code
through :func:`zh`. A code without a label shows as itself, so that the browser test that walks
every page (tests/web/test_plain_chinese_browser.py) finds it and the table gets the missing line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from shebao.core.roles import ROLE_LABELS
from shebao.policy.common import FIELD_LABELS

LABELS: dict[str, dict[str, str]] = {
    "level": {"red": "红色", "yellow": "黄色", "blue": "蓝色"},
    "alert_status": {"new": "待处理", "confirmed": "已确认", "dismissed": "已排除"},
    "benefit_kind": {
        "pension": "基本养老金", "unemployment": "失业保险金", "injury_allowance": "伤残津贴",
        "injury_disability_allowance": "伤残津贴", "injury_survivor": "供养亲属抚恤金",
        "survivor_pension": "供养亲属抚恤金", "funeral_grant": "丧葬补助金", "account_inheritance": "个人账户继承",
        "survivor_grant": "一次性抚恤金", "injury_death_grant": "一次性工亡补助金",
    },
    "benefit_status": {"active": "正常发放", "suspended": "暂停发放", "stopped": "终止", "ended": "已结束",
                       "terminated": "终止", "paid": "已支付"},
    "payment_kind": {"regular": "按月发放", "backpay": "补发", "adjustment": "调待补发", "recovery": "追回",
                     "one_off": "一次性"},
    "payment_status": {"paid": "已支付", "pending": "待支付", "failed": "支付失败", "returned": "退回",
                       "created": "待支付", "sent": "已送银行", "escalated": "已转人工"},
    "case_kind": {"pension": "基本养老金申领", "unemployment": "失业保险金申领"},
    "case_status": {"received": "已接收", "review": "人工复核中", "approved": "已核准", "rejected": "不予核准",
                    "returned": "已退回补正"},
    "route": {"auto_approve": "自动核准", "review": "转人工复核", "reject": "自动不予核准"},
    "review_action": {"claim": "认领", "approve": "核准", "reject": "驳回", "return": "退回补正",
                      "release": "放回队列", "return_to_first": "退回第一复核员"},
    "review_stage": {"first": "第一次复核", "second": "第二次复核（四眼）"},
    "step": {"intake": "受理校验", "autofill": "数据自动填充", "rules": "规则决定", "decision": "规则决定",
             "risk": "风险评分", "route": "分流", "routing": "分流", "grant": "建立待遇", "benefit": "建立待遇",
             "notify": "通知申请人", "notification": "通知申请人", "reject": "不予核准", "queue": "进入复核队列"},
    # what each step of the pipeline ended with
    "outcome": {"accepted": "已受理", "filled": "已填充", "eligible": "符合条件", "ineligible": "不符合条件",
                "undecided": "无法判定", "high": "高", "medium": "中", "low": "低", "auto_approve": "自动核准",
                "review": "转人工复核", "reject": "不予核准", "granted": "已建立", "rejected": "已不予核准",
                "queue": "待复核"},
    "reason": {
        # document intake (材料预审): problems of a file or a field
        "missing": "未识别到该项", "not_found": "文件不存在", "too_large": "文件过大", "unreadable": "无法可靠识别",
        "invalid": "内容不合规定", "out_of_range": "超出合理范围", "inconsistent": "前后不一致", "expired": "证件已过期",
        "corrupt": "文件损坏", "unsupported_type": "文件类型不支持", "too_many_pages": "页数过多",
        "too_many_pixels": "图片像素过多", "blank": "空白或无法辨认", "empty": "空文件", "ocr_failed": "文字识别失败",
        "amount_rule": "待遇标准的规定", "rule": "适用的规定", "above_minimum_wage": "失业保险金不低于最低工资标准", "below_subsistence": "失业保险金低于城市低保标准",
        "minimum_wage_missing": "最低工资标准未设定", "pension_formula_missing": "养老金公式未能算出金额",
        "pension_off_formula": "核定金额与公式结果不符", "before_rule": "死亡时间早于现行办法", "birth_date_needed": "缺少出生日期",
        "amount_above_threshold": "金额超过自动核准上限", "applicant_deceased": "申请人在死亡名单中",
        "applicant_in_custody": "申请人在服刑名单中", "bank_account_shared": "银行账户他人在用",
        "benefit_already_active": "已有同类待遇", "contribution_jump": "缴费基数异常跳升",
        "contributions_after_separation": "离职后仍有缴费", "duplicate_registration": "重复参保登记",
        "index_provisional": "缴费指数暂计", "large_recent_backpayment": "近期大额补缴",
        "not_yet_retirement": "未到退休年龄", "parameter_missing": "政策参数缺失",
        "parameter_unconfirmed": "参数出处未核实", "parameter_source": "参数未经本机构采用", "reviewer_rejected": "复核驳回", "rule_undecided": "规则无法判定",
        "separation_in_future": "离职日期在未来", "separation_reason_unclear": "离职原因不明",
        "contribution_too_short": "缴费时间不足", "voluntary_leave": "本人自愿离职",
        "min_contribution_not_met": "未满最低缴费年限", "provisional_base": "计发基数暂核",
        "transfer_pension_place": "跨地区转移：待遇领取地需确认", "risk_medium": "风险评分中等", "risk_high": "风险评分高", "at_retirement": "已到退休月份",
        "flexible_not_available": "不适用弹性退休", "late_retirement_too_late": "延迟退休超过上限",
        "early_retirement_too_early": "提前退休早于允许的时间", "retirement_date_out_of_range": "退休时间超出可选范围",
        "extended_contribution": "延长缴费", "not_registered": "未办理失业登记", "not_seeking_work": "无求职要求",
        "receiving_pension": "已领取基本养老金", "work_arranged": "已重新就业",
    },
    "review_reason": {
        "parameter_missing": "计算参数缺失", "parameter_unconfirmed": "计算参数出处未核实",
        "rule_undecided": "规则无法作出决定", "risk_high": "风险评分高", "risk_medium": "风险评分中",
        "amount_above_threshold": "金额超过自动核准上限", "separation_reason_unclear": "离职原因需人工认定",
        "contributions_after_separation": "离职后仍有单位缴费", "parameter_source": "计算参数未经本机构采用",
        "transfer_pension_place": "跨地区转移：待遇领取地或临时缴费账户需人工确认",
    },
    "relation": {"spouse": "配偶", "child": "子女", "parent": "父母", "employer": "用人单位", "other": "其他"},
    "separation": {"dismissed": "被用人单位解除劳动合同", "contract_expired": "劳动合同期满终止", "mutual": "协商解除",
                   "resigned": "本人辞职", "other": "其他"},
    "risk_level": {"high": "高", "medium": "中", "low": "低"},
    "channel": {"portal": "网上办理", "agent": "代办", "clerk": "窗口受理"},
    "role": {**{str(role.value): text for role, text in ROLE_LABELS.items()}, "system": "系统"},
    "handoff": {"suspended": "已暂停发放", "stopped": "已停止发放", "recovery": "已登记追回", "none": "无需处理",
                "death": "死亡：已停发待遇", "incarceration": "服刑：已暂停发放"},
    "debt_method": {"deduction": "从待遇中扣减", "demand": "责令退还"},
    "suspension_status": {"active": "暂停中", "resumed": "已恢复"},
    "sex": {"M": "男", "F": "女", "male": "男", "female": "女"},
    "region": {"000000": "全国", "370000": "山东省", "370500": "东营市", "370502": "东营区", "370503": "河口区",
               "370505": "垦利区", "370522": "利津县", "370523": "广饶县", "370100": "济南市", "370200": "青岛市"},
    # how sure we are of a shipped value (shared/sources/local-parameters.md), or that the agency set it
    "source_level": {"official": "官方原文", "secondary": "转载或二手来源", "derived": "推算", "agency": "本机构"},
    # the application's facts (as typed at intake)
    "fact": {**FIELD_LABELS, "retirement_date": "退休时间", "early_months": "提前退休（月）",
             "late_months": "延迟退休（月）", "separation_date": "离职日期", "separation_reason": "离职原因",
             "seeking_work": "求职登记"},
    # the inputs of a calculation step (trace)
    "trace_input": {**FIELD_LABELS, "birth_month": "出生年月", "original_age_months": "原法定退休年龄（月）",
                    "delay_months": "延迟月数", "age_months": "退休年龄（月）", "source": "来源",
                    "indexed_wage": "指数化月平均缴费工资", "years": "缴费年限", "contribution_years": "缴费年限",
                    "pre_account_years": "视同缴费年限", "rate": "比例", "basic": "基础养老金",
                    "account": "个人账户养老金", "transitional": "过渡性养老金", "statutory": "法定退休时间",
                    "allowance": "津贴", "amount": "金额", "avg_wage": "平均工资", "capped": "是否封顶",
                    "dependants": "供养亲属", "grade": "伤残等级", "income": "收入", "level": "等级", "months": "月数",
                    "multiple": "倍数", "payer": "支付方", "pension": "养老金", "previous_unused_months": "以前未领月数",
                    "regional_avg": "统筹地区平均工资", "wage": "本人工资", "whole_years": "整年数", "year": "年度",
                    "fixed": "定额调整", "linked": "挂钩调整", "min_contribution_months": "最低缴费月数",
                    "earliest": "最早", "latest": "最晚", "retirement_month": "退休年月", "receipt": "领取期间",
                    "minimum_wage": "最低工资标准", "minimum_wage_from": "最低工资标准执行日期"},
    "unit": {"months": "个月", "month": "月份", "rate": "比例", "yuan/month": "元/月", "yuan/year": "元/年",
             "yuan": "元", "days": "天", "working_days": "个工作日", "years": "年", "multiple": "倍", "bool": "是/否"},
    "param_group": {"intake": "申领材料", "assistance": "社会救助", "deadlines": "办理时限", "recovery": "多发追回", "review": "复核规则", "certification": "资格认证", "contribution": "缴费", "injury": "工伤保险", "pension": "养老保险",
                    "projection": "测算假设", "retirement": "退休年龄", "unemployment": "失业保险",
                    "wages": "社会平均工资", "transfer": "关系转移接续"},
    "audit_action": {
        "transfer.apply": "受理关系转移申请", "transfer.certificate": "出具参保缴费凭证", "transfer.accept": "发出转移联系函",
        "transfer.fund": "核对转移基金", "transfer.fund_mismatch": "转移基金与结算单不符", "transfer.records": "接续缴费记录",
        "transfer.refuse": "不予受理关系转移",
        "injury.report": "登记工伤认定申请", "injury.accept": "受理工伤认定申请", "injury.documents": "登记工伤认定材料",
        "injury.decide": "作出工伤认定", "injury.grade_suggestion": "伤残等级建议", "injury.appraise": "记录劳动能力鉴定结论",
        "injury.grant": "核定工伤保险待遇",
        "bills.load": "导入工伤医疗费用单", "bills.audit": "审核工伤医疗费用", "bills.statement": "打印审核结算单",
        "bills.flag.confirm": "确认费用疑点", "bills.flag.dismiss": "排除费用疑点", "bills.line.agree": "同意扣减费用明细",
        "bills.line.restore": "恢复费用明细",
        "fund.reconcile": "四方对账", "fund.reconcile.sign_off": "对账签字确认", "fund.reconcile.reopen": "重新打开对账",
        "fund.difference.resolve": "处理对账差异",
        "linkage.merge": "合并人员记录", "linkage.merge.fields": "确定合并后的人员信息", "linkage.merge.reattach": "迁移被合并记录的数据",
        "linkage.merge.recalculate": "合并后重算养老金", "linkage.review.accept": "确认为同一人", "linkage.review.queue": "疑似同一人记录待复核",
        "linkage.review.reject": "确认不是同一人", "linkage.unmerge": "撤销人员合并",
        "outreach.run": "政策快送选择对象", "outreach.outbox": "写入政策快送发件箱", "outreach.opened": "本人打开政策快送消息",
        "outreach.opt_out": "退订政策提醒", "outreach.failed": "政策快送消息发送失败",
        "intake.upload": "上传申领材料", "intake.correct": "更正材料识别结果", "intake.purge": "删除到期材料",
        "export.list": "导出清单", "application.returned_to_first": "退回第一复核员", "benefit.minimum_wage": "按最低工资标准调整失业保险金",
        "param.adopt": "采用随附参数值", "payroll.period_open": "开启发放月份", "payroll.run_failed": "发放批次失败",
        "user.login": "登录", "user.add": "新增用户", "user.disable": "停用用户", "user.locked": "账户锁定",
        "user.set_role": "变更角色", "user.set_password": "设置密码", "user.token_issued": "签发接口令牌",
        "audit.verify": "校验审计链", "param.set": "新增参数值", "personal_data.read_full": "查看完整个人信息",
        "registry.load": "导入参保数据", "registry.export": "导出参保数据", "risk.screen": "疑点筛查",
        "risk.alert.confirm": "确认疑点", "risk.alert.dismiss": "排除疑点", "payroll.run": "待遇发放",
        "payroll.returns": "银行退回处理", "payroll.batch": "生成发放批次", "payment.retry": "重新支付",
        "payment.escalate": "支付转人工", "notice.issue": "签发通知书", "benefit.grant": "核定待遇",
        "benefit.terminate": "终止待遇", "benefit.suspend": "暂停发放", "benefit.resume": "恢复发放",
        "benefit.recalculate": "重新核定", "benefit.overpayment": "登记多发待遇", "benefit.death": "死亡后处理",
        "benefit.adjust": "待遇调整", "survivor.grant": "遗属待遇核定", "certification.record": "资格认证",
        "debt.write_off": "核销欠款", "debt.repay": "退还欠款", "debt.demand": "责令退还",
        "debt.deduction_undone": "撤销扣减", "debt.deduct": "从待遇中扣减", "application.received": "受理申请",
        "application.claimed": "认领申请", "application.released": "放回队列", "application.review": "复核",
        "application.review_first": "第一次复核", "application.approved": "核准申请",
        "application.rejected": "不予核准", "application.returned": "退回补正",
        "payment.regular": "按月发放", "payment.backpay": "补发", "payment.adjustment": "调待补发",
        "payment.recovery": "追回", "payment.one_off": "一次性支付", "debt.open": "登记多发待遇",
        "debt.update": "更新多发待遇",
    },
    # other codes that audit details and hand-offs carry (reasons, sources, notice kinds, statuses)
    "code": {
        "suspension": "暂停发放", "resumption": "恢复发放", "termination": "终止", "grant": "核定",
        "assessment": "核定", "recalculation": "重新核定", "adjustment": "调整", "survivor": "遗属待遇",
        "overpayment": "多发待遇", "demand": "责令退还", "deduction": "从待遇中扣减", "alert": "稽核疑点",
        "certification": "资格认证逾期", "death": "死亡", "incarceration": "服刑", "civil_affairs": "民政",
        "funeral": "殡葬", "police": "公安", "health": "卫健", "justice": "司法", "court": "法院",
        "open": "待追回", "demanded": "已责令退还", "repaid": "已退还", "written_off": "已核销", "closed": "已结清",
        "portal": "网上服务", "demo": "演示", "web": "网页", "cli": "命令行", "api": "接口",
    },
    "entity": {"application": "申请", "audit_log": "审计日志", "benefit_debts": "多发待遇", "benefit_notices": "通知书",
               "benefits": "待遇", "certifications": "资格认证", "parameter": "政策参数", "payments": "发放记录",
               "payroll_runs": "发放批次", "persons": "参保人", "registry": "参保数据", "risk_alerts": "疑点",
               "survivor_cases": "遗属待遇", "users": "用户", "applications": "申请", "queue": "复核队列",
               "alerts": "疑点清单", "audit": "审计日志", "payroll_openings": "发放月份"},
    "actor": {"system": "系统", "anonymous": "匿名", "portal-demo": "网上申请（演示）", "portal": "网上申请"},
    "source": {"cli": "命令行", "web": "网页", "api": "接口", "system": "系统", "resolver": "自动处理",
               "worker": "后台任务", "demo": "演示", "portal": "网上服务", "loader": "数据导入"},
    # keys of an audit entry's detail
    "detail_key": {
        "reason": "原因", "by": "操作人", "amount": "金额", "outstanding": "未追回", "benefit_id": "待遇编号",
        "reason_code": "原因", "person_id": "参保人", "period": "所属月份", "kind": "类别", "to": "改为",
        "stage": "复核阶段", "reasons": "原因", "monthly_amount": "月金额", "loaded": "导入", "last_period": "最后月份",
        "from": "原为", "year": "年度", "via": "方式", "status": "状态", "start_date": "起始", "source": "来源",
        "rule_id": "规则", "rows": "行数", "role": "角色", "resume_period": "恢复月份", "level": "等级",
        "from_period": "起始月份", "principal": "金额", "method": "方式", "overpayment": "多发金额",
        "payment_id": "支付编号", "purpose": "用途", "fields": "字段", "as_of": "截至", "channel": "渠道",
        "death_date": "死亡日期", "certified_date": "认证日期", "ok": "结果", "entries": "条数",
        "first_bad_seq": "首个不符序号", "name": "参数", "region": "地区", "effective_from": "生效日期",
        "value": "值", "reference": "出处", "comment": "意见", "action": "操作", "new": "新增", "file": "文件",
    },
}

TERMS = {
    "内部收益率": "把补缴（或缴费）看作一笔投资，按退休后多领的养老金折算出的年化收益率；越高越划算，仅供比较。",
    "回本月数": "退休后多领的养老金累计到与所缴费用相等所需的月数。",
    "平均缴费指数": "历年缴费基数除以当年社会平均工资的平均值，在 0.6 到 3.0 之间。",
    "视同缴费": "实行个人账户以前按国家规定计算的工作年限，视同缴费年限。",
    "计发基数": "省里每年公布的用来计算基础养老金的月平均工资。",
    "四眼原则": "金额较大的决定须由两名复核员先后复核同意。",
}

IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


def zh(value: Any, kind: str) -> str:
    """The Chinese label of ``value`` in table ``kind`` ('' for None; the value itself when unknown)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return LABELS[kind].get(str(value), str(value))


def param_title(name: str, description: str | None) -> str:
    """A parameter's short Chinese name: its description up to the first bracket or comma."""
    text = (description or "").strip()
    short = re.split(r"[（(，,；;：:]", text, maxsplit=1)[0].strip()
    return short or name


def value_text(value: Any, unit: str | None = None) -> str:
    """A parameter's value for people: 是/否, percentages for rates, 缺失 for a known gap, （表格） for tables."""
    if value is None:
        return "缺失"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return "（表格）"
    if unit == "rate":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return f"{(number * 100).normalize():f}%"
    if unit == "multiple":
        return f"{value} 倍"
    return str(value)


def num(value: Any) -> str:
    """A number as people write it: 3 (not 3.0), 1.0948; other values unchanged."""
    if isinstance(value, bool) or value is None:
        return shown(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def count(value: Any) -> str:
    """A count as a whole number ('3', never '3.0')."""
    if value is None:
        return "—"
    try:
        return str(int(round(float(value))))
    except (TypeError, ValueError):
        return str(value)


COMMAND = re.compile(r"shebao(?: [a-z][a-z_-]*)+")


def plain(text: Any) -> Markup:
    """Free text for staff pages: names replaced by Chinese ones, commands (``shebao …``) marked as
    technical names (``<code class="ident">``), the rest escaped."""
    if text is None:
        return Markup("")
    out, last = [], 0
    value = plain_text(text)
    for m in COMMAND.finditer(value):
        out += [escape(value[last:m.start()]), Markup('<code class="ident">') + escape(m.group(0)) + Markup("</code>")]
        last = m.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def plain_text(text: Any) -> str:
    """Free text for people: parameter and input names inside it replaced by their Chinese names."""
    if text is None:
        return ""

    def swap(match: re.Match) -> str:
        word = match.group(0)
        return FIELD_LABELS.get(word) or LABELS["fact"].get(word) or _param_name(word) or word

    return IDENTIFIER.sub(swap, str(text))


def _param_name(name: str) -> str | None:
    try:
        from shebao.policy.paramset import default_parameters

        return param_title(name, default_parameters().describe(name).get("description"))
    except Exception:  # not a parameter
        return None


def source(value: Any) -> str:
    """Where an audited action came from: 'cli:demo' → 命令行（演示）."""
    if not value:
        return ""
    head, _, tail = str(value).partition(":")
    text = LABELS["source"].get(head, head)
    return f"{text}（{LABELS['source'].get(tail, tail)}）" if tail else text


def model_version(value: Any) -> str:
    """The risk model's version: the one shipped with the package is 随附模型."""
    text = str(value or "")
    if text.startswith("shipped"):
        return "随附模型" + (f" {text[8:]}" if len(text) > 8 else "")
    return plain_text(text)


def param_label(name: Any) -> str:
    """A parameter's Chinese name from its dotted name (the name itself when unknown)."""
    return _param_name(str(name)) or str(name)


def shown(value: Any) -> str:
    """Any value as a person reads it: 是/否 for booleans, — for nothing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return " / ".join(shown(v) for v in value.values())
    return plain_text(value)


def detail_items(detail: Any) -> list[tuple[str, str]]:
    """An audit entry's detail as (Chinese key, value) pairs, for the keys the table knows."""
    if not isinstance(detail, dict):
        return []
    out = []
    for key, value in detail.items():
        name = LABELS["detail_key"].get(key)
        if name is None or value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            text = "是" if value else "否"
        elif isinstance(value, list):
            text = "、".join(_detail_value(key, v) for v in value)
        elif isinstance(value, dict):
            continue
        else:
            text = _detail_value(key, value)
        out.append((name, text))
    return out


def _detail_value(key: str, value: Any) -> str:
    tables = {"role": "role", "kind": "benefit_kind", "reasons": "reason", "reason_code": "reason",
              "level": "level", "status": "benefit_status", "channel": "channel", "via": "source", "source": "source",
              "stage": "review_stage", "to": "role", "from": "role", "action": "handoff", "method": "debt_method",
              "by": "actor", "actor": "actor", "name": None, "fields": None}
    table = tables.get(key)
    if key == "name":
        return _param_name(str(value)) or str(value)
    if key == "fields":
        return {"name": "姓名", "id_number": "身份号码", "phone": "手机号码", "bank_account": "银行账号"}.get(
            str(value), plain_text(value))
    if table and str(value) in LABELS[table]:
        return LABELS[table][str(value)]
    return LABELS["code"].get(str(value)) or plain_text(value)
