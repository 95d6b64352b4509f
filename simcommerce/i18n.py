"""Chinese and English: the page's and the reports' words in zh-CN, looked up by their English text.

``t(text, lang, **values)`` returns the zh-CN form of ``text`` (an English template with ``{named}`` fields)
when ``lang`` is ``zh-CN`` and the table has it, else the English; then fills in the values. A string the
table lacks stays English (the scenario format's one-line errors, metric names and key paths do), so a
missing entry is visible, never an error. ``tests/test_i18n.py`` checks that every template's fields match.
"""

from __future__ import annotations

LANGS = {"en": "English", "zh-CN": "中文"}


def lang_of(value) -> str:
    """``zh``, ``zh-CN``, ``zh_cn``, ``cn`` -> ``zh-CN``; anything else -> ``en``."""
    v = str(value or "").strip().lower().replace("_", "-")
    return "zh-CN" if v in ("zh", "zh-cn", "cn", "zh-hans", "chinese", "中文") else "en"


def t(text: str, lang: str = "en", /, **values) -> str:
    """``text`` in ``lang`` (zh-CN from :data:`ZH`), its ``{fields}`` filled from ``values``."""
    out = ZH.get(text, text) if lang == "zh-CN" else text
    return out.format(**values) if values else out


ZH: dict[str, str] = {
    # the page
    "simcommerce — compare marketing policies": "simcommerce — 营销策略比较",
    "1. Market, policies, run": "1. 市场、策略、运行",
    "2. Compare": "2. 比较",
    "3. Browse experiments": "3. 浏览实验",
    "Language": "语言",
    "error: ": "错误：",
    "1. Market": "1. 市场",
    "Scenario": "情景",
    "…or drop a scenario YAML here / ": "……或把情景 YAML 文件拖到这里 / ",
    "choose a file": "选择文件",
    "Market size": "市场规模",
    "Days": "天数",
    "Replications per policy": "每个策略的重复次数",
    "Seed": "随机种子",
    "consumers": "消费者",
    "days": "天",
    "Market events (scheduled shocks)": "市场事件（预定冲击）",
    "A scandal, exposed fake reviews, an influencer's scandal or a privacy breach on a given day: every policy "
    "runs with these events (the scenario's own are listed first).":
        "某天发生的质量丑闻、刷单曝光、达人丑闻或隐私泄露：每个策略都在这些事件下运行（情景自带的事件列在前面）。",
    "Event": "事件",
    "Hits": "波及",
    "every brand": "所有品牌",
    "Day": "日",
    "Severity (share of trust lost, 0-1)": "严重程度（信任损失比例，0-1）",
    "Reach (share who hear on the day, 0-1)": "传播范围（当天听说的比例，0-1）",
    "Remove": "删除",
    "Add an event": "添加事件",
    "quality scandal": "质量丑闻",
    "fake reviews exposed": "刷单曝光",
    "influencer scandal": "达人丑闻",
    "privacy breach": "隐私泄露",
    "a brand": "某品牌",
    "a named influencer": "某位达人",
    "the platform: all brands": "平台：所有品牌",
    "2. Policies": "2. 策略",
    "Each policy is a set of changes to the market's levers (2–6 policies; the first is the default reference). "
    "Hover a control for its meaning, unit and range.":
        "每个策略是对市场杠杆的一组改动（2–6 个策略；第一个默认作为参照）。鼠标悬停在控件上可看到含义、单位和范围。",
    "Policy to edit:": "要编辑的策略：",
    "Add": "添加",
    "Duplicate": "复制",
    "Delete": "删除",
    "…or add a business model as a policy (for the brand below)": "……或把一种商业模式添加为策略（针对下面的品牌）",
    "distribution, group buying, live stream, …": "分销、拼团、直播带货……",
    "Name of this policy": "策略名称",
    "Levers of brand": "品牌的杠杆",
    "This policy as dotted overrides (experiment-file form)": "该策略的点号覆盖形式（实验文件格式）",
    "The {mech} mechanism is off in this scenario: these levers act only in a policy that switches it on{where}.":
        "本情景中 {mech} 机制是关闭的：这些杠杆只在开启它的策略中起作用{where}。",
    " (Market rules, below)": "（见下方“市场规则”）",
    " (in the scenario file)": "（在情景文件中）",
    "Added {name}: {what}.": "已添加 {name}：{what}。",
    "3. Run": "3. 运行",
    "Uncertain parameters (optional): how robust is the answer?": "不确定参数（可选）：结论有多稳健？",
    "Give up to 3 market parameters you are not sure of a range: every policy is run at several settings of "
    "them (on the same seeds), and the comparison shows whether the ranking of the policies holds across them.":
        "为最多 3 个不确定的市场参数给出范围：每个策略都会在它们的多个取值下运行（相同随机种子），比较页会显示策略排序是否在这些取值下保持不变。",
    "Uncertain parameters": "不确定参数",
    "none": "无",
    "Settings to run": "运行的取值组数",
    "…or draw them from a calibration (its folder in the results store)": "……或从校准结果中抽取（结果库中的校准文件夹）",
    "Experiment name": "实验名称",
    "Run": "运行",
    "Cancel": "取消",
    "Running {n} runs into {rel}/ …": "正在运行 {n} 次，结果写入 {rel}/ ……",
    " {done} of {total} runs ({s:.0f} s)": " 已完成 {done}/{total} 次（{s:.0f} 秒）",
    "Done: {n} runs in {s:.1f} s, saved in {rel}/.": "完成：{n} 次运行，用时 {s:.1f} 秒，保存在 {rel}/。",
    "4. Find the best policy": "4. 寻找最优策略",
    "Unlock up to 3 of the brand's levers with a range each: optuna searches them for the brand's highest mean "
    "profit, every candidate on the same seeds, on top of the selected policy's other levers, within the "
    "marketing-spend cap.":
        "放开品牌的最多 3 个杠杆并给出范围：optuna 在所选策略其余杠杆不变的基础上搜索品牌平均利润最高的组合，所有候选使用相同随机种子，并满足营销支出上限。",
    "Levers to search": "要搜索的杠杆",
    "choose levers": "选择杠杆",
    "Max marketing spend (total over the run, in the scenario's currency)": "营销支出上限（整个运行期合计，情景货币）",
    "Candidates": "候选数",
    "Seeds per candidate": "每个候选的随机种子数",
    "Find the best": "寻找最优",
    "Searching…": "搜索中……",
    "Searching… ({s:.0f} s)": "搜索中……（{s:.0f} 秒）",
    "The search failed (exit code {code}): {why}": "搜索失败（退出码 {code}）：{why}",
    "Done in {s:.0f} s; trials and report in {rel}/.": "完成，用时 {s:.0f} 秒；试验记录和报告在 {rel}/。",
    "No candidate kept the marketing spend within {cap}.": "没有候选把营销支出控制在 {cap} 以内。",
    "{k} from {lo} to {hi}": "{k} 从 {lo} 到 {hi}",
    "Best: {levers}: profit {profit} (95% CI {lo} to {hi}), {gain} over the base policy (paired 95% CI {glo} to "
    "{ghi}), marketing spend {spend}. How flat: {n} of {of} candidates are not distinguishable from the best "
    "({ranges}).": "最优：{levers}：利润 {profit}（95% 置信区间 {lo} 至 {hi}），比基准策略 {gain}（配对 95% 置信区间 {glo} 至 "
                   "{ghi}），营销支出 {spend}。最优有多平坦：{of} 个候选中有 {n} 个与最优无法区分（{ranges}）。",
    "{label}: from": "{label}：从",
    "{label}: to": "{label}：到",
    # lever groups and levers
    "Referral commission": "推荐佣金",
    "Influencers": "达人",
    "Ads": "广告",
    "Group buying": "拼团",
    "Live stream": "直播带货",
    "Price": "价格",
    "Disclosure": "广告标注",
    "Fake reviews": "刷单评价",
    "Market rules (all brands)": "市场规则（所有品牌）",
    "commission per referral level": "各级推荐佣金",
    "discount for the referred friend": "被推荐好友的折扣",
    "sponsored influencers": "签约达人数",
    "influencer tier": "达人层级",
    "posts per week each": "每人每周发帖数",
    "marketing budget (all channels)": "营销预算（所有渠道）",
    "ad impressions per day": "每日广告展示次数",
    "ad targeting": "广告定向",
    "targeting precision": "定向精度",
    "partners a group needs": "成团还需人数",
    "group discount": "拼团折扣",
    "hours to fill a group": "成团时限",
    "live sessions per week": "每周直播场次",
    "live-stream discount": "直播折扣",
    "slot fee per session": "每场坑位费",
    "host's commission": "主播佣金",
    "price": "价格",
    "disclose sponsored posts": "标注广告帖",
    "fake reviews bought per day": "每日购买的虚假评价",
    "group buying allowed": "开放拼团",
    "disclosure of sponsored posts mandatory": "强制标注广告帖",
    "level 1": "第一级",
    # the levers' help (tooltips; the scenario format's help texts)
    "commission per level, level 1 = the friend whose link was used, level k+1 = the sponsor of level k; share of the "
    "amount paid": "每级佣金：第 1 级是其链接被使用的好友，第 k+1 级是第 k 级的上线；占实付金额的比例",
    "discount for a buyer who came through a referral link": "通过推荐链接购买的买家获得的折扣",
    "number of influencers the brand sponsors": "品牌签约的达人数量",
    "tier of the sponsored influencers": "签约达人的层级",
    "sponsored posts per influencer per week": "每位达人每周的推广帖数",
    "total marketing budget over the run: ads, posts, slot fees, commissions, fake reviews and discounts; a paid item "
    "that would exceed it is not bought, and referral, group deals and samples pause once it is spent (null: "
    "unlimited)": "整个运行期的营销总预算：广告、达人发帖、坑位费、佣金、刷单评价和各种折扣；超出预算的付费项目不再购买，预算用完后推荐、拼团和试用暂停（空：不限）",
    "ad impressions bought per day (split over the products)": "每天购买的广告展示次数（分摊到各产品）",
    "who sees the ads": "谁能看到广告",
    "interest targeting: share of impressions that hit the targeted audience": "兴趣定向：命中目标人群的展示比例",
    "partners needed besides the initiator (k)": "除发起人外还需要的参团人数（k）",
    "group price = list price × (1 − discount); 0: no group deals": "拼团价 = 标价 × (1 − 折扣)；0：不拼团",
    "time a group has to fill, from its opening": "从开团起的成团时限",
    "live sessions the brand books per week (0: no live selling)": "品牌每周预订的直播场次（0：不直播）",
    "time-limited price cut during a session, share of the list price": "直播期间的限时降价，占标价的比例",
    "fee paid to the host per session (坑位费)": "每场付给主播的坑位费",
    "share of the session's sales paid to the host": "付给主播的直播销售额比例",
    "list price": "标价",
    "flag sponsored posts as sponsored": "把推广帖标注为广告",
    "fake five-star reviews bought per day": "每天购买的虚假五星评价",
    "switch group_buying on": "开启拼团",
    "regulation: every sponsored post must be flagged": "监管：每个推广帖都必须标注为广告",
    "number of consumers (with an edge list: defaults to its node count)": "消费者数量（使用边列表时默认为其节点数）",
    "days to simulate": "模拟天数",
    "unit": "单位", "range": "范围", "empty: none/unlimited": "空：无/不限", "key": "键",
    # the comparison
    "No experiment open yet: run one, or open one from Browse.": "尚未打开实验：运行一个，或从“浏览实验”中打开。",
    "My brand": "我的品牌",
    "Reference policy": "参照策略",
    "Market totals (all brands)": "市场合计（所有品牌）",
    "Download summary (CSV)": "下载汇总（CSV）",
    "Download experiment (YAML)": "下载实验（YAML）",
    " Policy as a scenario file: ": " 将策略下载为情景文件：",
    "Download policy (YAML)": "下载策略（YAML）",
    "Metric over time (market totals)": "随时间变化的指标（市场合计）",
    "Inside one market": "单个市场内部",
    "Policy": "策略",
    "Draw the network": "绘制网络",
    "Comparison — {name}": "比较 — {name}",
    "{p}: {n} runs": "{p}：{n} 次运行",
    "{k} policies ({counts}); common random numbers: replication r of every policy uses seed {seed} + r. "
    "Folder: {rel}/": "{k} 个策略（{counts}）；共同随机数：每个策略的第 r 次重复使用种子 {seed} + r。文件夹：{rel}/",
    " — status {status}: not every run is in.": " — 状态 {status}：并非所有运行都已完成。",
    "{brand}: marketing spend and what it brought, per policy (vs {reference}, paired by replication)":
        "{brand}：各策略的营销支出及其带来的效果（相对 {reference}，按重复配对）",
    "Experiments in the results store": "结果库中的实验",
    "Refresh": "刷新",
    "{n} experiment(s) in {folder} (yours from this browser, and any made with simcommerce experiment; other "
    "browsers' dashboard runs are not shown).":
        "{folder} 中有 {n} 个实验（本浏览器的，以及用 simcommerce experiment 生成的；其他浏览器的运行不显示）。",
    "experiment": "实验",
    "status": "状态",
    "policies": "策略",
    "runs done": "已完成运行",
    "started": "开始时间",
    "folder": "文件夹",
    "Open": "打开",
    "reference": "参照",
    "policy": "策略",
    "runs": "运行次数",
    "marketing spend": "营销支出",
    "95% CI": "95% 置信区间",
    "extra spend": "额外支出",
    "Δ orders": "Δ 订单",
    "paired 95% CI": "配对 95% 置信区间",
    "revenue": "营收",
    "Δ profit": "Δ 利润",
    "Δ profit %": "Δ 利润 %",
    "Δ profit per extra {one}": "每多花 {one} 的 Δ 利润",
    # metrics (plots.LABELS)
    "Profit": "利润", "Profit per day": "每日利润", "Revenue (GMV)": "营收（GMV）", "Revenue per day": "每日营收",
    "Orders": "订单", "Orders per day": "每日订单", "Marketing spend": "营销支出",
    "Marketing spend per day": "每日营销支出", "Net sales per unit of marketing": "每单位营销的净销售额",
    "Marketing spend per new customer": "每位新客户的营销支出", "Aware consumers": "知晓的消费者",
    "Consumers considering": "考虑购买的消费者", "Customers": "客户", "Repeat customers": "复购客户",
    "Shares": "分享", "Referral orders": "推荐订单", "Mean trust": "平均信任", "Share of orders": "订单份额",
    "Mean rating": "平均评分", "Ad spend": "广告支出", "Influencer fees": "达人费用", "Live slot fees": "直播坑位费",
    "Live hosts' commission": "主播佣金",
    "Group-deal discounts": "拼团折扣", "Referral discounts": "推荐折扣", "Live-session discounts": "直播折扣",
    "Free samples": "免费试用", "Live-stream orders": "直播订单", "Live-stream sales": "直播销售额",
    "Group-deal sales": "拼团销售额", "Active consumers": "活跃消费者",
    # charts
    "equality": "完全平均",
    "Promoters' earnings: Lorenz curve": "推广者收入：洛伦兹曲线",
    "share of promoters (poorest first)": "推广者占比（收入从低到高）",
    "share of earnings": "收入占比",
    "platform": "平台",
    ", {k}-day mean": "，{k} 日均值",
    "{metric} over time (mean over replications{smooth}, band: 95% CI of the mean)":
        "{metric}随时间变化（各次重复的均值{smooth}，阴影：均值的 95% 置信区间）",
    "day": "日",
    "Purchase funnel at the end, per policy (mean over replications)": "期末购买漏斗，按策略（各次重复的均值）",
    "Consumers": "消费者", "Aware": "知晓", "Considered": "考虑", "Bought": "购买", "Bought again": "复购",
    "Market shares at the end (share of all orders, mean over replications)": "期末市场份额（占全部订单，各次重复的均值）",
    "share of orders": "订单份额",
    "Trust in brands over time (band: 95% CI; dashed: scheduled events)": "品牌信任随时间变化（阴影：95% 置信区间；虚线：预定事件）",
    "mean trust (0–1)": "平均信任（0–1）",
    "Mean trust in brands": "品牌平均信任",
    "no promoter earned a commission (no referral commission in these policies)": "没有推广者获得佣金（这些策略中没有推荐佣金）",
    # robustness
    "{top} is the best at the one setting run: mark parameters as uncertain to see if that holds.":
        "{top} 在唯一运行的设定下最优：把参数标记为不确定，看看结论是否依然成立。",
    "{top} is the best at every one of the {n} settings of the uncertain parameters: the ranking holds across them.":
        "{top} 在不确定参数的全部 {n} 个设定下都是最优：策略排序在这些设定下保持不变。",
    "{top} is the best at {wins} of {n} settings of the uncertain parameters; where it is not, it gives up at most "
    "{worst} (on average {mean}). The ranking depends on what is not known.":
        "{top} 在不确定参数的 {n} 个设定中有 {wins} 个最优；在其不是最优的设定下，最多少赚 {worst}（平均 {mean}）。策略排序取决于未知因素。",
    "win share": "最优占比", "largest regret": "最大遗憾值", "mean regret": "平均遗憾值",
    "How robust: share of uncertain settings where each policy is best ({m})": "稳健性：各策略为最优的不确定设定占比（{m}）",
    "win share (0–1)": "最优占比（0–1）", "largest regret ({m})": "最大遗憾值（{m}）",
    "best at (share of settings)": "最优（设定占比）", "{brand}'s mean profit": "{brand} 的平均利润",
    "How robust is the answer? {brand}'s profit across {n} settings of the uncertain parameters":
        "结论有多稳健？{brand} 在不确定参数 {n} 个设定下的利润",
    "Regret: the best policy's mean profit at a setting minus this policy's (0 where it is the best); each "
    "setting's means are over its replications, on the same seeds.":
        "遗憾值：某设定下最优策略的平均利润减去该策略的平均利润（最优时为 0）；各设定的均值取自其各次重复，使用相同随机种子。",
    "{brand}'s profit, {cur}": "{brand} 的利润，{cur}",
    "Over time": "随时间变化",
    "Funnel": "购买漏斗",
    # tooltips of the page's own fields
    "runs per policy; replication r of every policy uses root seed seed + r (common random numbers)":
        "每个策略的运行次数；每个策略的第 r 次重复使用根种子 seed + r（共同随机数）",
    "root seed of replication 0": "第 0 次重复的根种子",
    "points of a Latin hypercube over the ranges; each is run for every policy and replication":
        "在各范围上的拉丁超立方取样点；每个点都对每个策略和每次重复运行",
    "the brand's mean marketing spend must stay at or below this; empty: no cap": "品牌的平均营销支出不得超过此值；空：不设上限",
    "policies tried by the search (each on every seed)": "搜索尝试的策略数（每个都用全部种子）",
    "runs per candidate: the same seeds for every candidate": "每个候选的运行次数：所有候选使用相同的种子",
    # the compare report
    "{names} spent within {share} of {reference} (an equal-budget comparison).":
        "{names} 的支出与 {reference} 相差不超过 {share}（同等预算的比较）。",
    "{policy} spent {extra} ({pct}) more than {reference}, not a like-for-like budget":
        "{policy} 比 {reference} 多花 {extra}（{pct}），预算不对等",
    "; each extra {unit} of spend returned {ret} of profit (95% CI {lo} to {hi})":
        "；每多花 {unit} 带来 {ret} 的利润（95% 置信区间 {lo} 至 {hi}）",
    "End-of-run KPIs per policy (mean, error bars: 95% CI)": "各策略期末关键指标（均值，误差线：95% 置信区间）",
    "Difference vs the reference: paired (common random numbers) vs unpaired (Welch) 95% CI":
        "相对参照的差异：配对（共同随机数）与非配对（Welch）95% 置信区间",
    "metric": "指标", "n": "样本数", "mean": "均值", "paired diff vs reference": "相对参照的配对差异",
    "Welch 95% CI": "Welch 95% 置信区间", "seeds matched": "种子匹配比例",
    "spend within {share}": "支出相差在 {share} 内",
    "{brand}: marketing spend and what it brought": "{brand}：营销支出及其带来的效果",
    "Differences vs the reference (market totals)": "相对参照的差异（市场合计）",
    "KPIs per policy (market totals)": "各策略关键指标（市场合计）",
    "The store has no market time series (DIR/market/).": "结果库中没有市场时间序列（DIR/market/）。",
    "Cascades and promoters": "传播级联与推广者",
    "No verdict per brand: {why}.": "没有按品牌的结论：{why}。",
    "common random numbers (replication r of every policy uses the same root seed)":
        "共同随机数（每个策略的第 r 次重复使用相同的根种子）",
    "NOT common random numbers for every pair (some pairs have different seeds)":
        "并非每一对都使用共同随机数（有些配对的种子不同）",
    " Experiment status: <b>{status}</b> (not all runs may be in).": " 实验状态：<b>{status}</b>（可能并非所有运行都已完成）。",
    "{k} policies ({counts}); reference: <b>{reference}</b>; {crn}.": "{k} 个策略（{counts}）；参照：<b>{reference}</b>；{crn}。",
    "Mean and 95% CI: t interval over replications. Paired difference: mean of the per-replication differences with "
    "a t interval (pairs matched by point and replication). Welch: the unpaired interval of the same difference, for "
    "comparison. ★: the paired interval excludes 0.":
        "均值与 95% 置信区间：各次重复的 t 区间。配对差异：逐次重复差值的均值及其 t 区间（按取值点和重复配对）。Welch：同一差异的非配对区间，供比较。★：配对区间不含 0。",
    "KPI table (market totals, all brands)": "关键指标表（市场合计，所有品牌）",
    "Multiple comparisons: the KPI table makes {k} comparisons with the reference ({p} × {m}: policies besides the "
    "reference × metrics). Each interval is per comparison (95% for that difference alone), so about {chance} of them "
    "would exclude 0 by chance if no policy made a difference. After Holm's adjustment, {h} of the {k} differences "
    "stay significant at 5%; summary.csv has the Holm-adjusted p-values (diff_p_holm) and Bonferroni intervals at "
    "{adj} each, which hold for all {k} together (adj_ci_low, adj_ci_high).":
        "多重比较：关键指标表与参照共做了 {k} 次比较（{p} × {m}：参照以外的策略数 × 指标数）。每个区间只针对单次比较（仅对该差异为 "
        "95%），因此即使没有任何策略产生影响，也约有 {chance} 个区间会偶然不含 0。经 Holm 校正后，{k} 个差异中有 {h} 个在 5% "
        "水平上仍显著；summary.csv 中有 Holm 校正后的 p 值（diff_p_holm）以及每个水平为 {adj} 的 Bonferroni 区间，它们对全部 {k} "
        "次比较同时成立（adj_ci_low、adj_ci_high）。",
    "policy name: expected letters, digits, '_', '.' or '-' (it names files), found {name!r}.":
        "策略名称：应为字母、数字、'_'、'.' 或 '-'（它用于文件名），实际为 {name!r}。",
    "policy name: expected a name not used by another policy, found '{name}' twice.":
        "策略名称：应为其他策略未使用的名称，实际 '{name}' 出现了两次。",
    "Referral cascade sizes: P(size ≥ s)": "推荐级联规模：P(规模 ≥ s)",
    "cascade size s (consumers)": "级联规模 s（消费者）",
    "P(size ≥ s)": "P(规模 ≥ s)",
    "Response of {metric} to {param} (mean, error bars: 95% CI)": "{metric} 对 {param} 的响应（均值，误差线：95% 置信区间）",
    "Sensitivity of {metric}: {method}": "{metric} 的敏感性：{method}",
    "Swept parameters: {params}. Sensitivity method: {method}.": "扫描的参数：{params}。敏感性方法：{method}。",
    "Sweeps": "参数扫描",
    "The cascade-size CCDF needs per-run referral event tables (DIR/events/policy=…/), which this store does not "
    "hold. ": "级联规模 CCDF 需要每次运行的推荐事件表（DIR/events/policy=…/），本结果库中没有。",
    "The promoters' Lorenz curve needs per-run promoter earnings tables (DIR/promoters/policy=…/ with "
    "promoter_earned), which this store does not hold.":
        "推广者洛伦兹曲线需要每次运行的推广者收入表（DIR/promoters/policy=…/，含 promoter_earned），本结果库中没有。",
    # the verdict
    "orders": "订单",
    "profit": "利润",
    "95% CI ": "95% 置信区间 ",
    "{what} {pct} ({prefix}{lo} to {hi})": "{what} {pct}（{prefix}{lo} 至 {hi}）",
    " but ": "，但",
    " and ": "，且",
    "{effect}, with no detectable change in orders": "{effect}，订单无可检测的变化",
    "{effect}, with no detectable change in profit ({profit})": "{effect}，利润无可检测的变化（{profit}）",
    ": it earns more than it costs": "：收益大于成本",
    ": it costs more than it brings": "：成本高于收益",
    " at this spend on {driver}": "（以目前在{driver}上的支出）",
    "{name}: {text}{why}.": "{name}：{text}{why}。",
    "{names}: no difference detectable with {reps}.": "{names}：在 {reps} 下未检测到差异。",
    "{names}: too few runs to tell ({reps}: no interval).": "{names}：运行次数太少，无法判断（{reps}：没有区间）。",
    "{n} replication": "{n} 次重复",
    "{n} replications": "{n} 次重复",
    "{a} and {b}": "{a}和{b}",
    "Recommendation: {best}. It adds {gain} profit ({lo} to {hi}) over {reference}":
        "建议：{best}。相对 {reference}，它增加利润 {gain}（{lo} 至 {hi}）",
    " for {extra} more marketing spend: each extra {unit} of spend returned {ret} of extra profit":
        "，多花营销费用 {extra}：每多花 {unit} 带来 {ret} 的额外利润",
    "Recommendation: none yet — run at least 3 replications per policy (better 5–10).":
        "建议：暂无 — 每个策略至少运行 3 次重复（最好 5–10 次）。",
    "Recommendation: keep {reference}: no policy earns the brand detectably more profit with {reps}; smaller "
    "differences than the intervals may exist.":
        "建议：保持 {reference}：在 {reps} 下，没有策略能让品牌获得可检测的更多利润；可能存在小于区间宽度的差异。",
    "Recommendation: keep {reference}: every alternative earns the brand less profit.":
        "建议：保持 {reference}：所有备选策略都让品牌利润更低。",
    "Based on {reps} per policy, paired by seed (replication r of every policy shares seed r).":
        "基于每个策略 {reps}，按随机种子配对（每个策略的第 r 次重复使用同一种子）。",
    "Too few runs to tell: one replication gives no interval; run at least 3.":
        "运行次数太少：一次重复无法给出区间；请至少运行 3 次。",
    "With fewer than {k} replications the intervals are wide: run more before a costly decision.":
        "重复少于 {k} 次时区间较宽：做出代价高的决策前请多运行几次。",
    "It holds for this scenario's assumptions (prices, costs, how consumers respond to each channel, market size "
    "and horizon); a change in those could change it.":
        "结论只在本情景的假设下成立（价格、成本、消费者对各渠道的反应、市场规模和时长）；这些假设改变，结论可能改变。",
    "Percentages: the paired difference from {reference} (mean over replications of policy − {reference}, same "
    "seeds), relative to {reference}'s mean; brackets: its 95% confidence interval. 'No difference detectable': "
    "the interval includes 0.":
        "百分比：相对 {reference} 的配对差异（各次重复中 策略 − {reference} 的均值，相同随机种子），除以 {reference} 的均值；括号内为 95% 置信区间。“未检测到差异”：区间包含 0。",
    # the report
    "Policy comparison — {name}": "策略比较 — {name}",
    "Verdict for {brand}": "{brand} 的结论",
}
