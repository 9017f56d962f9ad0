"""Retrieval: which articles answer a question asked in everyday Chinese.

BM25 (bm25s) over jieba tokens (with the domain dictionary), the question expanded with the
legal terms of the colloquial ↔ legal lexicon, then an optional rerank by sentence embeddings
(passage vectors computed at build time). Each part can be switched off, which is how the
evaluation measures what each one adds over a plain character-bigram BM25.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import numpy as np

from shebao.assistant.documents import Article
from shebao.assistant.embedding import Embedder, load_embedder
from shebao.assistant.kb import KnowledgeBase, passage_text
from shebao.assistant.lexicon import Lexicon, default_lexicon, provinces_named, provinces_said, standard_words
from shebao.assistant.segment import Segmenter, domain_dictionary_words
from shebao.assistant.spelling import correct_typos

# Weight of the lexicon's legal terms relative to the question's own words.
EXPANSION_WEIGHT = 1.0
# Share of the (standardised) BM25 score in the final score when the reranker is on. The
# reranker reads each paragraph and list item of an article (kb.article_units), not only its
# head, and an article takes the embedding score of its best unit: it then tells the items of a
# long enumeration apart better than BM25 does, so BM25 weighs less than when the reranker read
# only an article's first 200 characters (0.3 then; 0.2 chosen on the frozen set).
BM25_SHARE = 0.2
# BM25 length normalisation (bm25s' usual 0.75). It was 0.4 with the reranker on while the
# reranker read only an article's head, so that the one matching item far down a long article
# was not drowned by the length of the others: the unit vectors now find that item.
BM25_B = 0.75
# How many BM25 candidates the reranker reorders.
RERANK_DEPTH = 50
# How BM25 and embedding scores are combined: "zscore" (each standardised over the whole
# corpus) or "minmax" (each scaled to [0, 1] over the candidates).
FUSION = "zscore"
# A regional regulation (浙江省…条例) applies to questions about that region: when the question
# names no region, national texts come first, so regional articles' scores are scaled by this.
REGIONAL_FACTOR = 0.8
# A city names its province (在杭州工伤住院 is a Zhejiang question: lexicon.provinces_named). A bonus
# for the named region's articles on top was tried (0.3 standard deviations): no gain, one loss.
# The same prior on the fused score (in standard deviations): scaling BM25 alone left the
# embedding half untouched, so a regional article that restates a national one (浙江省工伤保险条例
# 第十四条 beside 工伤保险条例 第十八条) still came first for a question naming no region.
REGIONAL_PENALTY = 0.3
# The other way: a question naming one province (在宁波…, 在浙江…) is about the rule that applies there, and
# a regional regulation is the special rule beside the national one it details (浙江省工伤保险条例 第二十七条
# sets the months of the 一次性伤残就业补助金 that 工伤保险条例 第三十七条 leaves to the province): the named
# region's articles gain this much on the fused score. A question naming two provinces (在苏州交了六年，
# 回杭州上班) is about moving between them, which the national text rules: no regional text is named then.
NAMED_REGION_BONUS = 0.3

# A question about the penalty for something (怎么处罚, 会被罚吗, 罚多少) is decided by the law's
# liability chapter (法律责任 / 罚则), not by the article that forbids it: those articles get this
# bonus on the fused score (in standard deviations; on BM25 alone, a factor 1 + this).
# 要负什么责任, 要负责吗, 会怎么处理, 会怎么样 ask for the consequence of an act as well.
_LIABILITY_Q = re.compile(r"罚|法律责任|追究|负.{0,3}责任|要负责吗|担.{0,2}责任|怎么处理|会怎么样")
_LIABILITY_CHAPTER = re.compile(r"法律责任|罚则")
LIABILITY_BONUS = 0.5

# "我能不能把医保卡借给表哥", "工资能用购物卡抵吗": whether an act is allowed is decided by the rule
# that allows or forbids it, not by the liability chapter's sanction of it (which a penalty question
# asks for): when a yes/no asks may-I and names no penalty, liability articles lose this much (standard
# deviations of the fused score; on BM25 alone, a factor 1 - this/2).
_MAY_Q = re.compile(r"能不能|可不可以|能否|可否|行不行|中不中|允(?:不)?许|让不让|[行中](?:吗|么|不)[？?]?$"
                    r"|(?:能|可以)[^，。？?]{0,10}(?:吗|么|不)[？?]?$")
MAY_LIABILITY_PENALTY = 0.5

# Who ends the employment contract: the worker (辞职, 离职) or the employer (辞退, 开除, 裁员). Articles on
# ending it name the party who does (劳动法 第三十一条: 劳动者解除劳动合同，应当提前三十日…; 第二十六条:
# …用人单位可以解除劳动合同): a question naming one party's act is not answered by the other's article,
# which loses this much (standard deviations of the fused score; on BM25 alone, a factor 1 - this/2).
_WORKER_ENDS = re.compile(r"辞职|离职|辞工|跳槽|不想干了|不干了|走人")
_EMPLOYER_ENDS = re.compile(r"辞退|开除|裁员|裁了|解雇|炒鱿鱼|被炒|开掉")
_ENDS_S = re.compile(r"(用人单位|劳动者)[^，。；：]{0,12}?解除劳动合同")
OTHER_PARTY_PENALTY = 1.0

# A question disagreeing with a decision (仲裁裁下来不服, 伤残等级评轻了不服) asks for the remedy, which
# the articles granting one state with the decision's name (对仲裁裁决不服的，可以…提起诉讼; 对…鉴定结论不服
# 的，可以…申请再次鉴定), not for the decision's own article (第七十九条 the arbitration, 第三十七条 the
# grade's benefits) that shares the rest of the question, nor for a remedy said otherwise (认为…侵害其
#权益的，可以依法申请行政复议): the remedy's articles gain this much
# (standard deviations of the fused score; on BM25 alone, a factor 1 + this/2).
_DISAGREE_Q = re.compile(r"不服|不认可|有异议|不接受")
_REMEDY_S = re.compile(r"不服的|有异议的|申请行政复议|提起(?:行政)?诉讼")
REMEDY_BONUS = 0.5

# A question about one disability grade (三级伤残能拿多少) is decided by the article covering that
# grade (工伤保险条例 第三十五条: 一级至四级), not by its neighbours for the other grades (第三十六条
# 五级、六级; 第三十七条 七级至十级), which read the same to BM25 and to the embeddings. An article
# that names grades (ranges read as every grade inside, segment.range_tokens) but not the one asked
# loses this much (in standard deviations of the fused score; on BM25 alone, a factor 1 - this/2).
GRADES = tuple(f"{g}级" for g in "一二三四五六七八九十")
OTHER_GRADE_PENALTY = 1.0

# A question naming a text (劳动法规定产假最少多少天) is answered from that text: its articles get this
# bonus (standard deviations of the fused score; on BM25 alone, a factor 1 + this).
NAMED_LAW_BONUS = 2.0

# The branch of insurance a question is about, by the words it uses, and the branch of an article, by
# its text's title and chapter (工伤保险条例; 社会保险法 第三章 基本医疗保险). A question naming only
# some branches (医保能先给报了吗) is not answered by an article of another branch (工伤保险条例 第三十条
# on the treatment of a work injury beside 社会保险法 第三十条 on medical insurance): such articles
# lose this much (standard deviations of the fused score; on BM25 alone, a factor 1 - this/2).
# Articles of no branch (劳动法, the general chapters) and questions naming none are left alone.
BRANCHES: dict[str, tuple[re.Pattern, re.Pattern]] = {
    # years of 社保 paid (交了5年社保, 社保年限) are the pension's years in everyday speech
    "pension": (re.compile(r"养老|退休|社保[^，。？]{0,6}年限|社保[交缴]?了?[\d一二三四五六七八九十两几]+年|[交缴]了?[\d一二三四五六七八九十两几]+年(?:的)?社保"),
                re.compile(r"养老|退休")),
    "medical": (re.compile(r"医保|医疗保险|医疗保障"), re.compile(r"医疗保险|医疗保障")),
    "injury": (re.compile(r"工伤|伤残|工亡|因工|职业病"), re.compile(r"工伤")),
    "unemployment": (re.compile(r"失业"), re.compile(r"失业")),
    "maternity": (re.compile(r"生育|产假|怀孕|流产"), re.compile(r"生育")),
}
OTHER_BRANCH_PENALTY = 1.0

# The event a period counts from. Articles on deadlines say it (社会保险法 第五十八条: 自用工之日起三十日内…为其
#职工…登记; 第五十七条: 自成立之日起三十日内, the employer's own): a question asking a period and naming
# its starting event (入职后多长时间, 受理以后多少天; through the lexicon 入职 → 用工之日起) is answered by the
# article counting from that event. When a candidate counts from an event the question names, it gains
# this much and an article counting from other events only loses as much (standard deviations of the
# fused score; on BM25 alone, a factor 1 ± this/2).
_ARTICLE_EVENT = re.compile(r"自([^，。；：自]{1,30}?)之日起")
_PERIOD_Q = re.compile(r"几天|多少天|几个月|多少个月|多久|多长时间|多少日|几日|期限|时限|最晚|最迟")
_EVENT_BEFORE = re.compile(r"([\u4e00-\u9fff]{2,4})(?:以后|之后|后|起)(?=[^，。？?]{0,10}?(?:" + _PERIOD_Q.pattern + "))")
_EVENT_TERM = re.compile(r"^自?([\u4e00-\u9fff]{2,12}?)之日")
EVENT_BONUS = 0.5

_REGION_RE = re.compile(r"^(.{2,7}?)(省|自治区|市)(?=.{2,})")
# "敏感个人信息指的是哪些", "本人工资咋算": the law's own definition of the term decides
_DEFINITION_Q = re.compile(r"([\u4e00-\u9fff]{2,16}?)(?:到底|究竟)?(?:指的是|是指|指什么|指哪些|是什么意思|是什么|包括哪些|包括什么|咋算|怎么算|怎么认定)")
# how a law defines a term in its text
DEFINITION_FORMS = ("{t}是指", "{t}，是指", "所称{t}", "{t}是一旦", "{t}是以", "{t}包括")


@dataclass
class Hit:
    """One retrieved article with its scores."""

    article: Article
    score: float
    bm25: float
    dense: float | None = None
    index: int = -1


@dataclass
class SearchResult:
    """Ranked hits plus what is needed to decide whether anything relevant was found."""

    query: str
    hits: list[Hit]
    query_tokens: list[str]
    expansions: list[str]
    coverage: float
    domain_terms: list[str] = field(default_factory=list)
    dense_top: float | None = None


@dataclass(frozen=True)
class RetrievalConfig:
    segmentation: str = "jieba"  # "jieba", "jieba-plain", "bigram"
    lexicon: bool = True
    rerank: bool = True


class Retriever:
    """Search a knowledge base.

    Args:
        kb: the loaded knowledge base.
        config: which parts to use (all by default; the reranker only if vectors exist).
        embedder: the query embedder (default: the one the index was built with, if installed).

    Examples:
        >>> retriever = Retriever(load(index_dir))  # doctest: +SKIP
        >>> retriever.search("失业金能领几个月").hits[0].article.article  # doctest: +SKIP
        17
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: RetrievalConfig | None = None,
        *,
        embedder: Embedder | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG when imported: "Building index from tokens" on every
        # answer's stderr is not for the user (warnings still show)
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.kb = kb
        self.config = config or RetrievalConfig()
        self.segmenter = Segmenter(self.config.segmentation)
        self.lexicon = lexicon or default_lexicon()
        if self.config.segmentation == "jieba":
            corpus_tokens = kb.tokens
        else:
            corpus_tokens = [self.segmenter.tokens(passage_text(a)) for a in kb.articles]
        self.vocabulary = {t for doc in corpus_tokens for t in doc}
        self._doc_sets = [set(doc) for doc in corpus_tokens]
        self.bm25 = bm25s.BM25(b=BM25_B)
        self.bm25.index([doc if doc else ["<empty>"] for doc in corpus_tokens], show_progress=False)
        n = len(corpus_tokens)
        df: dict[str, int] = {}
        for doc in self._doc_sets:
            for t in doc:
                df[t] = df.get(t, 0) + 1
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._regions = [_region_of(a.law) for a in kb.articles]
        self._law_names = _law_names(kb.laws())
        self._law_of = np.array([a.law for a in kb.articles], dtype=object)
        self._grades = [frozenset(t for t in doc if t in GRADES) for doc in corpus_tokens]
        self._branch = [_branch_of(f"{a.law} {a.chapter or ''}") for a in kb.articles]
        self._liability = np.array([bool(a.chapter and _LIABILITY_CHAPTER.search(a.chapter)) for a in kb.articles])
        self._domain_words = {w for w in domain_dictionary_words()} | self.lexicon.vocabulary()
        self._ender = [_ender_of(a.text) for a in kb.articles]
        self._remedy = np.array([bool(_REMEDY_S.search(a.text)) for a in kb.articles])
        self._events = [tuple(m.group(1) for m in _ARTICLE_EVENT.finditer(a.text)) for a in kb.articles]

        self.embedder: Embedder | None = None
        self.embeddings: np.ndarray | None = None
        self.unit_embeddings: np.ndarray | None = None
        self.unit_owners: np.ndarray | None = None
        if self.config.rerank and kb.embeddings is not None and kb.embedder_name:
            self.embedder = embedder or load_embedder(kb.embedder_name)
            if self.embedder is not None:
                self.embeddings = kb.embeddings
                if kb.unit_embeddings is not None and kb.unit_owners is not None and len(kb.unit_owners):
                    self.unit_embeddings = kb.unit_embeddings
                    self.unit_owners = kb.unit_owners

    @property
    def reranking(self) -> bool:
        return self.embeddings is not None and self.embedder is not None

    def _bm25_scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocabulary]
        if not known:
            return np.zeros(len(self.kb.articles), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def _expansion_scores(self, query: str) -> np.ndarray:
        """BM25 of the lexicon's legal terms for the question: one term's score, and of alternatives
        (认定为工伤|视同工伤) the best one's for each article, not their sum."""
        single: list[str] = []
        scores = np.zeros(len(self.kb.articles), dtype=np.float32)
        for group in self.lexicon.expansion_groups(query):
            if len(group) == 1:
                single.extend(self.segmenter.tokens(group[0]))
            else:
                scores = np.maximum.reduce([self._bm25_scores(self.segmenter.tokens(t)) for t in group]) + scores
        return scores + self._bm25_scores(single) if single else scores

    def _dense_scores(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine of the question with each article: its head's, or its best unit's if higher."""
        assert self.embeddings is not None
        dense = self.embeddings @ qvec
        if self.unit_embeddings is not None and self.unit_owners is not None:
            best = np.full(len(dense), -1.0, dtype=np.float32)
            np.maximum.at(best, self.unit_owners, self.unit_embeddings @ qvec)
            dense = np.maximum(dense, best)
        return dense

    def _other_grade(self, tokens: list[str]) -> np.ndarray:
        """Which articles name disability grades, none of them a grade the question names."""
        asked = {t for t in tokens if t in GRADES}
        if not asked:
            return np.zeros(len(self._grades), dtype=bool)
        return np.array([bool(g) and not (g & asked) for g in self._grades])

    def _other_branch(self, query: str) -> np.ndarray:
        """Which articles belong to a branch of insurance the question does not name, when it names one."""
        asked = {name for name, (q, _) in BRANCHES.items() if q.search(query)}
        if not asked:
            return np.zeros(len(self._branch), dtype=bool)
        return np.array([branch is not None and branch not in asked for branch in self._branch])

    def _other_party_ends(self, query: str) -> np.ndarray:
        """Which articles have the other party end the contract than the one whose act the question names."""
        worker, employer = bool(_WORKER_ENDS.search(query)), bool(_EMPLOYER_ENDS.search(query))
        if worker == employer:
            return np.zeros(len(self._ender), dtype=bool)
        asked = "劳动者" if worker else "用人单位"
        return np.array([ender is not None and ender != asked for ender in self._ender])

    def _counted_from(self, query: str, expansions: list[str]) -> np.ndarray:
        """+1 for an article counting a period from the event a period question names (入职后多长时间:
        自用工之日起), -1 for one counting only from other events, 0 elsewhere or when no article counts
        from the event named."""
        out = np.zeros(len(self._events), dtype=np.float32)
        if not _PERIOD_Q.search(query):
            return out
        asked = {m.group(1) for term in expansions if (m := _EVENT_TERM.match(term))}
        for m in _EVENT_BEFORE.finditer(query):
            span = m.group(1)
            asked.update(span[i:i + 2] for i in range(len(span) - 1))
        if not asked:
            return out
        for i, events in enumerate(self._events):
            if events:
                out[i] = 1.0 if any(word in event for event in events for word in asked) else -1.0
        return out if (out > 0).any() else np.zeros(len(self._events), dtype=np.float32)

    def _named_law(self, query: str) -> np.ndarray:
        """Which articles belong to a text the question names (劳动法, 工伤保险条例, 社保法)."""
        found = np.zeros(len(self._law_of), dtype=bool)
        text = query.replace(" ", "")
        for name, law in self._law_names:  # longest first: 浙江省工伤保险条例 before 工伤保险条例
            # 劳动法规定 names 劳动法; 劳动法律、劳动法规 name no text
            pattern = re.escape(name) + "(?!律|规(?!定))"
            if re.search(pattern, text):
                found |= self._law_of == law
                text = re.sub(pattern, "", text)
        return found

    def _regional_weights(self, query: str) -> np.ndarray:
        """REGIONAL_FACTOR for a regional text whose region the question does not name (by itself or by
        a city of it: 在杭州 names 浙江), 1 elsewhere."""
        named = provinces_named(query)
        moving = len(provinces_said(query)) > 1
        weights = np.ones(len(self._regions), dtype=np.float32)
        for i, region in enumerate(self._regions):
            if region and (moving or (region not in query and region not in named)):
                weights[i] = REGIONAL_FACTOR
        return weights

    def search(self, query: str, k: int = 10) -> SearchResult:
        """Rank the articles for a question, best first (a mistyped domain term read as the term:
        加班废 → 加班费)."""
        query = query.strip()
        if self.config.lexicon:  # the domain's words: its lexicon and its typos
            query = correct_typos(query)
        tokens = self.segmenter.tokens(query)
        expansions = self.lexicon.expand(query) if self.config.lexicon else []
        scores = self._bm25_scores(tokens)
        if expansions:
            scores = scores + EXPANSION_WEIGHT * self._expansion_scores(query)

        regional = self._regional_weights(query)
        scores = scores * regional
        # 咋处理 asks as 怎么处理 does
        liability = (self._liability if _LIABILITY_Q.search(standard_words(query))
                     else np.zeros(len(scores), dtype=bool))
        may = self._liability if not liability.any() and _MAY_Q.search(query) else np.zeros(len(scores), dtype=bool)
        other_grade = self._other_grade(tokens)
        named = self._named_law(query)
        other_branch = self._other_branch(query)
        other_party = self._other_party_ends(query)
        remedy = self._remedy if _DISAGREE_Q.search(query) else np.zeros(len(scores), dtype=bool)
        counted_from = self._counted_from(standard_words(query), expansions)
        if not self.reranking:
            scores = (scores * (1.0 + LIABILITY_BONUS * liability) * (1.0 - MAY_LIABILITY_PENALTY / 2 * may)
                      * (1.0 - OTHER_GRADE_PENALTY / 2 * other_grade)
                      * (1.0 + NAMED_LAW_BONUS * named) * (1.0 - OTHER_BRANCH_PENALTY / 2 * other_branch)
                      * (1.0 - OTHER_PARTY_PENALTY / 2 * other_party) * (1.0 + REMEDY_BONUS / 2 * remedy) * (1.0 + EVENT_BONUS / 2 * counted_from))

        content = [t for t in dict.fromkeys(tokens)]
        total_idf = sum(self._idf.get(t, 8.0) for t in content) or 1.0
        coverage = sum(self._idf.get(t, 0.0) for t in content if t in self.vocabulary) / total_idf
        domain_terms = [w for w in self._domain_words if len(w) >= 2 and w in query]

        dense = None
        dense_top = None
        order = np.argsort(-scores, kind="stable")
        if self.reranking and len(order):
            assert self.embedder is not None and self.embeddings is not None
            # the embedder read standard written Chinese: 俺咋办 is embedded as 我怎么办
            qvec = self.embedder.query([standard_words(query)])[0]
            dense = self._dense_scores(qvec)
            depth = min(RERANK_DEPTH, len(order))
            candidates = order[:depth]
            local = np.array([bool(self._regions[i]) for i in candidates]) & (regional[candidates] == 1.0)
            fused = (_fuse(scores, dense, candidates) - REGIONAL_PENALTY * (regional[candidates] < 1.0)
                     + NAMED_REGION_BONUS * local
                     + LIABILITY_BONUS * liability[candidates] - MAY_LIABILITY_PENALTY * may[candidates]
                     - OTHER_GRADE_PENALTY * other_grade[candidates]
                     + NAMED_LAW_BONUS * named[candidates] - OTHER_BRANCH_PENALTY * other_branch[candidates]
                     - OTHER_PARTY_PENALTY * other_party[candidates] + REMEDY_BONUS * remedy[candidates]
                     + EVENT_BONUS * counted_from[candidates])
            reorder = candidates[np.argsort(-fused, kind="stable")]
            final = np.full(len(scores), -1.0, dtype=np.float32)
            final[candidates] = fused
            order = np.concatenate([reorder, order[depth:]])
            dense_top = float(dense.max())
        else:
            final = scores
        order = self._definitions_first(query, order, regional)
        hits = []
        for i in order[:k]:
            i = int(i)
            if scores[i] <= 0 and (dense is None):
                break
            hits.append(
                Hit(
                    article=self.kb.articles[i],
                    score=float(final[i]),
                    bm25=float(scores[i]),
                    dense=float(dense[i]) if dense is not None else None,
                    index=i,
                )
            )
        return SearchResult(
            query=query,
            hits=hits,
            query_tokens=tokens,
            expansions=expansions,
            coverage=coverage,
            domain_terms=domain_terms,
            dense_top=dense_top,
        )

    def _definitions_first(self, query: str, order: np.ndarray, regional: np.ndarray | None = None,
                           depth: int = 5) -> np.ndarray:
        """A question about what a term means or how it is counted: among the best ``depth``
        articles, the one that defines the term (所称本人工资，是指…) comes first — not a regional text's
        definition when the question is not about that region (``regional`` below 1)."""
        match = _DEFINITION_Q.search(query.replace(" ", ""))
        if not match:
            return order
        term = re.split(r"[的说里讲叫]", match.group(1))[-1]
        if len(term) < 2:
            return order
        forms = [f.format(t=term) for f in DEFINITION_FORMS]
        top = [int(i) for i in order[:depth]]
        defining = [i for i in top if any(f in self.kb.articles[i].text for f in forms)
                    and (regional is None or regional[i] >= 1.0)]
        if not defining or defining[0] == top[0]:
            return order
        first = defining[0]
        return np.concatenate([[first], [i for i in order if int(i) != first]]).astype(order.dtype)

    def overlap(self, hit: Hit, tokens: list[str]) -> float:
        """IDF-weighted share of the question's tokens that occur in an article."""
        content = list(dict.fromkeys(tokens))
        total = sum(self._idf.get(t, 8.0) for t in content) or 1.0
        return sum(self._idf.get(t, 0.0) for t in content if t in self._doc_sets[hit.index]) / total


def _ender_of(text: str) -> str | None:
    """The party who ends the contract in an article that speaks of ending it (劳动者 / 用人单位), if one."""
    found = {m.group(1) for m in _ENDS_S.finditer(text)}
    return found.pop() if len(found) == 1 else None


def _branch_of(title: str) -> str | None:
    """The branch of insurance of a text's title and chapter (工伤保险条例 → injury), if exactly one."""
    found = [name for name, (_, a) in BRANCHES.items() if a.search(title)]
    return found[0] if len(found) == 1 else None


def _region_of(law: str) -> str | None:
    """The region a regional regulation applies to (浙江省工伤保险条例 → 浙江), else None."""
    if law.startswith(("中华人民共和国", "国务院", "最高人民法院", "全国")):
        return None
    match = _REGION_RE.match(law)
    if not match:
        return None
    # 广西壮族自治区 → 广西: people name the region, not its full official name.
    return match.group(1)[:2] if match.group(2) == "自治区" else match.group(1)


def _law_names(titles: list[str]) -> list[tuple[str, str]]:
    """The names people give each text, longest first: its title, without 中华人民共和国 (劳动法), and
    社保法 for 社会保险法."""
    names: list[tuple[str, str]] = []
    for title in titles:
        short = title.removeprefix("中华人民共和国")
        forms = {title, short, short.replace("社会保险", "社保")}  # 社会保险法 → 社保法
        names.extend((form, title) for form in forms if len(form) >= 3)
    return sorted(names, key=lambda item: len(item[0]), reverse=True)


def _fuse(bm25: np.ndarray, dense: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Combine the BM25 and embedding scores of the candidates (higher is better)."""
    if FUSION == "minmax":
        top = float(bm25[candidates[0]]) or 1.0
        cand = dense[candidates]
        lo, hi = float(cand.min()), float(cand.max())
        return BM25_SHARE * (bm25[candidates] / top) + (1 - BM25_SHARE) * ((cand - lo) / ((hi - lo) or 1.0))
    b = (bm25 - bm25.mean()) / (float(bm25.std()) or 1.0)
    d = (dense - dense.mean()) / (float(dense.std()) or 1.0)
    return (BM25_SHARE * b + (1 - BM25_SHARE) * d)[candidates]
