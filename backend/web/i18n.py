"""Labels and clerk-readable error messages: Chinese first, English on request.

``t(lang, key)`` looks up a label; ``error_message(lang, name, args, names)``
turns a contract custom error (or a service/store error) into a sentence a
clerk understands, with dates formatted and addresses replaced by department
names. Every custom error of the deployed ABIs has an entry in ``ERRORS``;
anything unknown falls back to a generic sentence naming the error.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable, Mapping
from typing import Any

from backend.chain.enums import Classification, IncidentStatus, IncidentType, RequestStatus, SubjectKind

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# --------------------------------------------------------------------------- labels
LABELS: dict[str, tuple[str, str]] = {
    "app": ("政务数据共享链", "GovChain"),
    "tagline": ("权属清晰 · 用途受限 · 责任可追溯", "Clear ownership · purpose-bound use · named responsibility"),
    "lang_switch": ("English", "中文"),
    "signin": ("登录", "Sign in"),
    "signout": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "token_help": (
        "由管理员签发的令牌（gct_…），只在本机 Cookie 中保存。",
        "The token your administrator issued (gct_…); kept in an HttpOnly cookie only.",
    ),
    "officer": ("经办人", "Officer"),
    "officer_help": (
        "经办人以本人账号登录；链上只记录其加盐哈希。",
        "Officers sign in as themselves; the chain records only a salted hash of who acted.",
    ),
    "officer_signin": ("经办人登录", "Officer sign-in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "totp_code": ("动态验证码", "Authenticator code"),
    "token_signin": ("使用访问令牌登录（系统客户端、公民）", "Sign in with an access token (system clients, citizens)"),
    "bad_officer": ("用户名、密码或验证码错误。", "Wrong username, password or code."),
    "too_many": ("失败次数过多，请 {s} 秒后再试。", "Too many failed attempts; try again in {s} s."),
    "acting_as": ("当前身份", "Acting as"),
    "role": ("角色", "Role"),
    "role_department": ("部门", "Department"),
    "role_governor": ("理事会成员", "Council member"),
    "role_auditor": ("审计员", "Auditor"),
    "role_citizen": ("群众 / 企业", "Citizen / enterprise"),
    "workspace": ("部门工作台", "Workspace"),
    "my_resources": ("我的数据资源", "My resources"),
    "catalog": ("数据目录", "Catalog"),
    "requests": ("使用申请", "Requests"),
    "incoming": ("待我审批的申请", "Incoming requests"),
    "outgoing": ("我发出的申请", "Outgoing requests"),
    "grants": ("使用授权", "Grants"),
    "incidents": ("事件", "Incidents"),
    "my_incidents": ("需我答复的事件", "Incidents to answer"),
    "council": ("理事会", "Council"),
    "audit": ("审计", "Audit"),
    "trail": ("链上留痕", "Trail"),
    "dashboard": ("统计看板", "Dashboard"),
    "integrity": ("完整性校验", "Integrity check"),
    "integrity_report_only": (
        "理事仅查看校验结果，不提交事件；篡改事件由审计员或数据所属部门以自己的账户提交。",
        "Governors only see the result; a TAMPER incident is filed by an auditor or the "
        "owner department under its own account.",
    ),
    "verify": ("证照核验", "Verify a certificate"),
    "citizen": ("我的数据", "My data"),
    "register": ("登记资源", "Register a resource"),
    "register_json": ("以 JSON 记录登记", "Register from a JSON record"),
    "register_file": ("以文件登记", "Register from a file"),
    "record_json": ("JSON 记录", "JSON record"),
    "schema_json": ("数据结构（JSON）", "Schema (JSON)"),
    "file": ("文件", "File"),
    "classification": ("密级", "Classification"),
    "cls_PUBLIC": ("公开", "Public"),
    "cls_INTERNAL": ("内部", "Internal"),
    "cls_SENSITIVE": ("敏感", "Sensitive"),
    "cls_SECRET": ("涉密", "Secret"),
    "new_version": ("发布新版本", "Publish a new version"),
    "resource": ("资源", "Resource"),
    "resource_id": ("资源编号", "Resource id"),
    "owner": ("所有者", "Owner"),
    "versions": ("版本", "Versions"),
    "version": ("版本", "Version"),
    "content_hash": ("内容哈希", "Content hash"),
    "registered_at": ("登记时间", "Registered"),
    "request_use": ("申请使用", "Request use"),
    "purpose_code": ("用途代码", "Purpose code"),
    "legal_basis": ("法律依据", "Legal basis"),
    "fields": ("字段（逗号分隔）", "Fields (comma separated)"),
    "duration_days": ("授权期限（天）", "Duration (days)"),
    "max_uses": ("最多使用次数", "Maximum uses"),
    "reason": ("理由", "Reason"),
    "approve": ("批准", "Approve"),
    "deny": ("驳回", "Deny"),
    "revoke": ("撤销", "Revoke"),
    "status": ("状态", "Status"),
    "requester": ("申请方", "Requester"),
    "deadline": ("审批截止", "Approval deadline"),
    "grant": ("授权", "Grant"),
    "grant_id": ("授权编号", "Grant id"),
    "grantee": ("被授权方", "Grantee"),
    "expires_at": ("到期时间", "Expires"),
    "remaining_uses": ("剩余次数", "Uses left"),
    "usable": ("可用", "Usable"),
    "not_usable": ("不可用", "Not usable"),
    "fetch_data": ("调取数据", "Fetch data"),
    "fetch_subject": ("数据主体（证件类型:号码，可选）", "Data subject (id_type:id_value, optional)"),
    "context_ref": ("业务编号（可选）", "Case / context reference (optional)"),
    "fetched": ("已调取的数据", "Fetched data"),
    "use_tx": ("使用记录交易", "Use recorded in transaction"),
    "anchor_tx": ("内容锚定交易", "Content anchored in transaction"),
    "hash_ok": ("内容与链上哈希一致", "Content matches the on-chain hash"),
    "respond": ("答复", "Answer"),
    "response": ("答复内容", "Response"),
    "incident_type": ("事件类型", "Type"),
    "responsible": ("责任方", "Responsible"),
    "reporter": ("报告方", "Reporter"),
    "filed_at": ("提交时间", "Filed"),
    "response_deadline": ("答复截止", "Answer by"),
    "proposals": ("待决提案", "Pending proposals"),
    "sensitive_requests": ("敏感数据申请", "Sensitive requests"),
    "escalated_incidents": ("已升级事件", "Escalated incidents"),
    "approvals": ("已批准", "Approvals"),
    "kind": ("类型", "Kind"),
    "proposer": ("提议人", "Proposer"),
    "target": ("对象", "Target"),
    "approved_by_me": ("我已批准", "Approved by me"),
    "propose_council": ("提交理事会审批", "Propose council approval"),
    "justification": ("理由", "Justification"),
    "filters": ("筛选", "Filters"),
    "department": ("部门", "Department"),
    "officer_hash": ("经办人哈希", "Officer hash"),
    "subject": ("数据主体", "Data subject"),
    "subject_help": ("证件类型:号码，或 0x 开头的主体哈希", "id_type:id_value, or a 0x subject hash"),
    "event": ("事件", "Event"),
    "from": ("起", "From"),
    "to": ("止", "To"),
    "apply": ("查询", "Apply"),
    "reset": ("清除", "Reset"),
    "time": ("时间", "Time"),
    "block": ("区块", "Block"),
    "tx": ("交易", "Transaction"),
    "details": ("详情", "Details"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_json": ("导出 JSON", "Export JSON"),
    "check": ("校验", "Check"),
    "pass": ("通过", "PASS"),
    "fail": ("不通过", "FAIL"),
    "uses_per_day": ("每日数据使用（按部门）", "Uses per day by department"),
    "grants_by_cls": ("授权数（按密级）", "Grants by classification"),
    "incidents_by_type": ("事件（按类型与结果）", "Incidents by type and outcome"),
    "no_data": ("暂无数据", "Nothing yet"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page_of": ("第 {page} / {pages} 页，共 {total} 条", "Page {page} of {pages}, {total} items"),
    "verify_title": ("电子证照核验", "Verify an e-certificate"),
    "verify_help": (
        "粘贴证照的文档哈希，或上传证照文件；无需登录。",
        "Paste the document hash or upload the certificate file; no sign-in needed.",
    ),
    "doc_hash": ("文档哈希", "Document hash"),
    "or_upload": ("或上传文件", "or upload the file"),
    "verify_btn": ("核验", "Verify"),
    "cert_Valid": ("有效", "VALID"),
    "cert_Revoked": ("已撤销", "REVOKED"),
    "cert_Expired": ("已过期", "EXPIRED"),
    "cert_NotYetValid": ("尚未生效", "NOT YET VALID"),
    "cert_Unknown": ("未登记（查无此证）", "UNKNOWN (never issued)"),
    "issuer": ("签发部门", "Issuer"),
    "issued_at": ("签发时间", "Issued"),
    "valid_window": ("有效期", "Validity"),
    "not_available": (
        "该功能尚未上线：对应的后台服务还在建设中。",
        "Not available yet: the service behind this page is still being built.",
    ),
    "my_cases": ("我的办件", "My cases"),
    "my_certificates": ("我的证照", "My certificates"),
    "my_data_log": ("谁用了我的数据", "Who used my data"),
    "my_assisted_sessions": ("窗口代办记录", "Sessions opened for me at a desk"),
    "assisted_sessions_note": (
        "每次窗口代我登录都记录在链上：窗口部门、经办人、时间和理由（哈希）。",
        "Every session a desk opened for me is on the chain: desk, officer, time and reason (hash).",
    ),
    "desk": ("窗口部门", "Desk"),
    "reason_hash": ("理由哈希", "Reason hash"),
    "this_session": ("本次会话", "This session"),
    "object": ("提出异议", "Object"),
    "object_unavailable": ("异议功能随群众服务上线。", "Objections arrive with the citizen services."),
    "property": ("不动产单元", "Property unit"),
    "purpose": ("用途", "Purpose"),
    "indexed_to": ("已索引至区块 {block}", "Indexed up to block {block}"),
    "indexer_idle": ("索引器尚未运行：留痕可能不完整。", "The indexer has not run yet: the trail may be incomplete."),
    "view_content": ("查看内容", "View content"),
    "tx_title": ("交易详情", "Transaction"),
    "contract": ("合约", "Contract"),
    "args": ("参数", "Arguments"),
    "done": ("已完成", "Done"),
    "pending_tx": (
        "交易已广播，等待上链：{tx}。请稍后刷新。",
        "Transaction broadcast, waiting to be mined: {tx}. Refresh in a moment.",
    ),
    "saved_registered": ("资源 #{id} 已登记，交易 {tx}", "Resource #{id} registered in {tx}"),
    "saved_version": (
        "资源 #{id} 已发布第 {version} 版，交易 {tx}",
        "Resource #{id} version {version} published in {tx}",
    ),
    "saved_requested": ("申请 #{id} 已提交，交易 {tx}", "Request #{id} submitted in {tx}"),
    "saved_approved": ("申请 #{id} 已批准，交易 {tx}", "Request #{id} approved in {tx}"),
    "saved_approved_council": (
        "申请 #{id} 已由所有者批准，等待理事会审批",
        "Request #{id} approved by the owner; awaiting the council",
    ),
    "saved_denied": ("申请 #{id} 已驳回", "Request #{id} denied"),
    "saved_revoked": ("授权 #{id} 已撤销", "Grant #{id} revoked"),
    "saved_responded": ("事件 #{id} 已答复", "Incident #{id} answered"),
    "saved_proposal_approved": (
        "提案 #{id} 已批准（{approvals} 票）",
        "Proposal #{id} approved ({approvals} approvals)",
    ),
    "saved_proposal_executed": ("提案 #{id} 已达门槛并执行", "Proposal #{id} reached its threshold and executed"),
    "saved_proposed": ("已提交理事会提案 #{id}", "Council proposal #{id} created"),
    "signed_in": ("已登录", "Signed in"),
    "oidc_signin": ("居民用电子身份登录", "Citizens: sign in with your e-ID"),
    "oidc_help": (
        "通过政务服务统一身份认证登录，只能查看本人的数据使用记录。",
        "Sign in through the government-service identity; you see your own records only.",
    ),
    "oidc_refused": ("电子身份登录未完成。", "The e-ID sign-in did not complete."),
    "oidc_try_again": ("重新登录", "Try again"),
    "oidc_continue": ("继续", "Continue"),
    "bad_token": ("令牌无效、已过期或已被吊销。", "The token is invalid, expired or revoked."),
    "token_scoped": (
        "该系统令牌只限于部分接口，不能登录控制台；请以工作人员身份登录。",
        "This system token is limited to some API scopes and cannot open the console; sign in as an officer.",
    ),
    "csrf_failed": ("页面已过期，请刷新后重试。", "This page expired; reload it and try again."),
    "need_signin": ("请先登录。", "Please sign in first."),
    "wrong_role": ("当前身份无权访问该页面。", "Your role cannot open this page."),
    "bad_json": ("JSON 格式有误：{detail}", "The JSON is not valid: {detail}"),
    "home_hint": ("选择上方的功能开始办理。", "Pick a section above to begin."),
    "content": ("内容", "Content"),
    "size": ("大小", "Size"),
    "media_type": ("类型", "Media type"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("—", "—"),
    "uses": ("次使用", "uses"),
    "used": ("已用", "used"),
    "of": ("/", "of"),
    "revoked": ("已撤销", "revoked"),
    "revoked_by": ("撤销方与原因", "Revoked by, and why"),
    "revoked_by_issuer": ("签发部门", "the issuing department"),
    "revoked_by_council": ("理事会（多方共同决定）", "the council (a k-of-n decision)"),
    "revocation_issuer_decision": ("签发部门决定", "the issuer's decision"),
    "revocation_issuer_compromised": ("签发部门密钥或系统被攻破", "the issuer's key or system was compromised"),
    "revocation_issuer_suspended": ("签发部门已被暂停", "the issuer was suspended"),
    "revocation_issued_in_error": ("错误签发", "issued in error"),
    "revocation_fraud": ("以欺诈手段取得", "obtained by fraud"),
    "revocation_court_order": ("法院裁定", "a court order"),
    "revocation_superseded": ("不动产已转移登记，原证书被新证书取代", "superseded: the title moved to a new owner"),
    "revoked_by_registry": ("不动产登记簿（转移登记时）", "the property registry (at the transfer)"),
    "expired": ("已过期", "expired"),
    "exhausted": ("次数已用完", "exhausted"),
    "st_Pending": ("待审批", "Pending"),
    "st_OwnerApproved": ("所有者已批准，待理事会", "Owner approved, awaiting council"),
    "st_Approved": ("已批准", "Approved"),
    "st_Denied": ("已驳回", "Denied"),
    "st_Escalated": ("已升级", "Escalated"),
    "st_Open": ("待答复", "Open"),
    "st_Responded": ("已答复", "Responded"),
    "st_Upheld": ("成立", "Upheld"),
    "st_Dismissed": ("不成立", "Dismissed"),
    "it_DATA_ERROR": ("数据错误", "Data error"),
    "it_UNAUTHORIZED_USE": ("越权使用", "Unauthorized use"),
    "it_LEAK": ("泄露", "Leak"),
    "it_TAMPER": ("篡改", "Tamper"),
    "verify_result": ("核验结果", "Result"),
    "public": ("公开服务", "Public service"),
    "proposal_pending": ("已有待决提案", "Proposal pending"),
    "tot_events": ("链上事件", "events"),
    "tot_resources": ("数据资源", "resources"),
    "tot_requests": ("使用申请", "requests"),
    "tot_grants": ("授权", "grants"),
    "tot_uses": ("数据使用", "uses"),
    "tot_incidents": ("事件", "incidents"),
    # -- citizen: objections, cases --------------------------------------------------------------
    "use_no": ("第几次使用", "Use no."),
    "use_n": ("第 {n} 次使用", "use {n}"),
    "me_subject": ("本人（主体 {h}）", "Me (subject {h})"),
    "legal_basis_hash": ("法律依据（哈希）", "Legal basis (hash)"),
    "context": ("业务 / 办件", "Case / context"),
    "object_title": ("对这次数据使用提出异议", "Object to this use of your data"),
    "object_help": (
        "请说明您认为这次使用为何不当。异议将登记为“越权使用”事件，由审计员核查，使用部门须在期限内答复。",
        "Say why you think this use was improper. The objection becomes an UNAUTHORIZED USE incident examined by the auditor; the department that used the data must answer in time.",
    ),
    "object_reason": ("异议理由", "Your objection"),
    "object_submit": ("提交异议", "File the objection"),
    "objection_filed": ("您的异议已受理", "Your objection was filed"),
    "objection_incident": ("事件编号", "Incident no."),
    "objection_already": (
        "您此前已对这次使用提出过异议，以下是当时登记的事件。",
        "You had already objected to this use; this is the incident filed then.",
    ),
    "objection_next": (
        "审计员将核查该事件；责任部门须在 {deadline} 前答复，逾期未答复将提交理事会裁决。",
        "The auditor examines it; the responsible department must answer by {deadline}, or the council rules on it.",
    ),
    "back_to_log": ("返回“谁用了我的数据”", "Back to “Who used my data”"),
    "index_stale": (
        "区块链节点暂时无法连接：以下为已索引的记录，可能不是最新。",
        "The chain node cannot be reached: these are the indexed rows and may not be the latest.",
    ),
    "case_id": ("办件编号", "Case no."),
    "service": ("办理事项", "Service"),
    "steps": ("审批环节", "Approval steps"),
    "stage": ("阶段", "Stage"),
    "step_status": ("环节状态", "Step status"),
    "docs_submitted": ("您提交的材料", "Documents you submitted"),
    "evidence_pulled": ("部门间调取的证明", "Evidence pulled between departments"),
    "departments_involved": ("参与部门", "Departments involved"),
    "opened_at": ("受理时间", "Opened"),
    "closed_at": ("办结时间", "Closed"),
    "doc_identity": ("身份证件（窗口当面核验，不留存）", "identity document (checked at the desk, not kept)"),
    "doc_form": ("申请表", "application form"),
    "no_more_docs": (
        "其余证明材料由部门间通过授权调取，无需您再提交。",
        "Every other piece of evidence is pulled between departments; you submit nothing more.",
    ),
    "case_Open": ("办理中", "In progress"),
    "case_Approved": ("已办结（通过）", "Approved"),
    "case_Rejected": ("未通过", "Rejected"),
    "step_Pending": ("待办理", "Pending"),
    "step_Approved": ("已通过", "Approved"),
    "step_Rejected": ("未通过", "Rejected"),
    "step_current": ("（当前环节）", "(current step)"),
    "ev_attached": ("已调取", "pulled"),
    "ev_missing": ("待调取", "not yet pulled"),
    "cases_unavailable": ("“一网通办”办件服务尚未上线。", "One-stop cases are not available yet."),
    # -- registry ------------------------------------------------------------------------------------
    "registry": ("不动产登记", "Property registry"),
    "unit_history": ("不动产单元登记簿", "Property unit register"),
    "unit": ("不动产单元", "Property unit"),
    "unit_id": ("单元编号", "Unit no."),
    "open_unit": ("查看登记簿", "Open the register"),
    "parcel_code": ("宗地代码", "Parcel code"),
    "building_code": ("幢号", "Building"),
    "unit_code": ("户号", "Unit"),
    "planned_use": ("规划用途", "Planned use"),
    "actual_use": ("实际用途", "Actual use"),
    "area_m2": ("面积（平方米）", "Area (m²)"),
    "chain_of_title": ("权属链（自首次登记起）", "Chain of title (from first registration)"),
    "first_registration": ("首次登记", "First registration"),
    "transfer": ("转移登记", "Transfer"),
    "current": ("现行", "current"),
    "current_owner": ("现权利人（哈希）", "Current owner (hash)"),
    "owner_hash": ("权利人（哈希）", "Owner (hash)"),
    "evidence_hash": ("登记依据（哈希）", "Evidence (hash)"),
    "prior_cert": ("原不动产权证书（哈希）", "Prior certificate (hash)"),
    "case_ref": ("办件编号", "Case reference"),
    "registrar": ("登记机构", "Registrar"),
    "mortgages": ("抵押", "Mortgages"),
    "seizures": ("查封", "Seizures"),
    "use_reports": ("用途核查", "Use reports"),
    "bank": ("抵押权人（银行）", "Bank"),
    "court": ("法院", "Court"),
    "inspector": ("核查部门", "Inspector"),
    "creditor_ref": ("债权人编号", "Creditor reference"),
    "terms": ("抵押合同", "Mortgage terms"),
    "court_order": ("法院裁定文书", "Court order"),
    "m_outstanding": ("有效（未同意转移）", "outstanding"),
    "m_consented": ("抵押权人已同意转移", "transfer consented"),
    "m_released": ("已注销", "released"),
    "s_active": ("查封中", "in force"),
    "s_released": ("已解封", "released"),
    "mismatch": ("用途不符", "Use mismatch"),
    "match": ("一致", "matches"),
    "mismatch_flag": ("⚠ 实际用途与规划用途不符", "⚠ Actual use differs from planned use"),
    "transferable": ("可办理转移登记", "Transferable"),
    "not_transferable": (
        "不可转移：存在查封或未同意转移的抵押",
        "Not transferable: seized, or a mortgage without consent",
    ),
    "no_owner_yet": ("尚未首次登记", "No owner registered yet"),
    "roles_held": ("本部门的不动产职能", "Registry roles of this department"),
    "no_registry_role": (
        "本部门没有不动产登记职能（登记机构、银行、法院、核查部门由理事会指定）。",
        "This department holds no registry role (registrar, bank, court and inspector are designated by the council).",
    ),
    "role_REGISTRAR": ("登记机构", "Registrar"),
    "role_BANK": ("银行（抵押）", "Bank (mortgages)"),
    "role_COURT": ("法院（查封）", "Court (seizures)"),
    "role_INSPECTOR": ("核查部门", "Inspector"),
    "register_unit": ("登记不动产单元", "Register a property unit"),
    "first_ownership": ("首次登记（确权）", "Register the first ownership"),
    "transfer_title": ("办理转移登记", "Register a transfer"),
    "register_mortgage": ("办理抵押登记", "Register a mortgage"),
    "register_seizure": ("办理查封登记", "Register a seizure"),
    "owner_id": ("权利人证件（证件类型:号码）", "Owner id (id_type:id_value)"),
    "new_owner_id": ("受让人证件（证件类型:号码）", "New owner id (id_type:id_value)"),
    "evidence_text": ("登记依据（合同、完税证明等的编号或说明）", "Evidence (contract, tax clearance… reference)"),
    "prior_cert_hash": ("原不动产权证书文档哈希（0x…）", "Prior certificate document hash (0x…)"),
    "seller_consent_hash": ("出卖人同意记录的哈希（0x…）", "Hash of the seller's consent record (0x…)"),
    "assisted_session_id": (
        "出卖人在窗口协助会话中同意时的会话编号",
        "Assisted session the seller consented in",
    ),
    "consent_desk": (
        "开启该会话的窗口部门地址（0x…，不能是登记机构本身）",
        "Department whose desk opened that session (0x…, never the registrar itself)",
    ),
    "submit": ("提交", "Submit"),
    "saved_unit": ("不动产单元 #{id} 已登记，交易 {tx}", "Property unit #{id} registered in {tx}"),
    "saved_ownership": (
        "单元 #{id} 首次登记完成（登记记录 #{entry}）",
        "Unit #{id}: first ownership registered (entry #{entry})",
    ),
    "saved_transfer": (
        "单元 #{id} 转移登记完成（登记记录 #{entry}）",
        "Unit #{id}: transfer registered (entry #{entry})",
    ),
    "saved_mortgage": ("单元 #{id} 抵押登记完成（抵押 #{mid}）", "Unit #{id}: mortgage #{mid} registered"),
    "saved_seizure": ("单元 #{id} 查封登记完成（查封 #{sid}）", "Unit #{id}: seizure #{sid} registered"),
    "history_forbidden": (
        "您无权查看不动产单元 #{id} 的登记簿。只有登记机构、在该单元上办理过抵押或查封的银行和法院、审计员，以及该单元的权利人本人可以查看。",
        "You may not read the register of property unit #{id}. Only the registrar, a bank or court with a mortgage or seizure on it, auditors and the unit's own owner may.",
    ),
    "use_1": ("住宅", "Residential"),
    "use_2": ("商业", "Commercial"),
    "use_3": ("办公", "Office"),
    "use_4": ("工业", "Industrial"),
    "use_5": ("仓储", "Storage"),
    "use_6": ("教育 / 公共服务", "Education / public"),
    # -- officers (an administrator's page) --------------------------------------------------------
    "officers_nav": ("经办人账号", "Officers"),
    "officers_title": ("本节点经办人账号", "Officer accounts of this node"),
    "officers_note": (
        "代表本部门（同一链上身份）办理业务的人员；不显示密码与验证器密钥。",
        "The people acting for this chain identity; passwords and authenticator secrets are never shown.",
    ),
    "display_name": ("姓名", "Display name"),
    "officer_role": ("账号角色", "Account role"),
    "officer_role_admin": ("管理员", "Administrator"),
    "officer_role_officer": ("经办人", "Officer"),
    "created": ("创建时间", "Created"),
    "removed": ("移除时间", "Removed"),
    "officer_enrol": ("新增经办人", "Enrol an officer"),
    "officer_username_help": (
        "用户名：小写字母、数字及 . _ -，以字母或数字开头，最多 64 个字符。初始密码和验证器设置只显示一次。",
        "Username: lower-case letters, digits and . _ -, starting with a letter or digit, at most 64 characters. "
        "The initial password and authenticator set-up are shown once.",
    ),
    "officer_enrolled": ("已新增经办人 {username}", "Officer {username} enrolled"),
    "officer_shown_once": (
        "请立即将初始密码和验证器设置交给本人。离开或刷新本页后将不再显示，系统也不保存明文。",
        "Hand the initial password and authenticator set-up to the officer now: they will not be shown again "
        "once you leave or reload this page, and the system keeps no readable copy.",
    ),
    "officer_initial_password": ("初始密码", "Initial password"),
    "officer_totp_uri": ("验证器设置（otpauth 链接）", "Authenticator set-up (otpauth URI)"),
    "officer_totp_help": (
        "在身份验证器应用中添加此链接（或将其生成二维码扫描），登录时输入应用显示的动态验证码。",
        "Add this URI to an authenticator app (or scan it as a QR code); sign-in asks for the code the app shows.",
    ),
    "officer_taken": ("用户名 {username} 已被使用，请换一个。", "The username {username} is taken; choose another."),
    "officer_bad_username": (
        "用户名不符合要求：只能使用小写字母、数字及 . _ -，以字母或数字开头，最多 64 个字符。",
        "That username is not allowed: use lower-case letters, digits and . _ -, starting with a letter or digit, "
        "at most 64 characters.",
    ),
    "officer_confirm": ("确认移除", "Confirm removal"),
    "officer_remove": ("移除", "Remove"),
    "officer_confirm_remove": ("请勾选“确认移除”后再移除经办人。", "Tick “Confirm removal” to remove an officer."),
    "officer_removed": (
        "已移除经办人 {username}，其 {n} 个登录令牌已立即失效。",
        "Officer {username} removed; their {n} token(s) stopped working at once.",
    ),
    "officer_not_found": ("本节点没有在册的经办人 {username}。", "There is no active officer {username} here."),
    "officer_not_self": ("管理员不能移除自己的账号。", "An administrator does not remove their own account."),
    "officer_you": ("（您本人）", "(you)"),
    # -- council rulings ---------------------------------------------------------------------------
    "awaiting_ruling": ("待裁决事件（已升级或已答复）", "Incidents awaiting a ruling (escalated or answered)"),
    "ruling": ("裁决", "Ruling"),
    "upheld_opt": ("成立：责任方承担责任", "Upheld: the responsible department is at fault"),
    "dismissed_opt": ("不成立", "Dismissed"),
    "ruling_text": ("裁决意见", "Ruling"),
    "propose_ruling": ("提交裁决提案", "Propose the ruling"),
    "needs_k_of_n": ("须 {k} / {n} 名理事批准后生效", "takes effect with {k} of {n} governors"),
    "saved_ruling": (
        "已提交对事件 #{iid} 的裁决提案 #{id}（须 {k} / {n} 名理事批准，已计入您的 1 票）",
        "Ruling on incident #{iid} proposed as #{id} ({k} of {n} needed; yours counts as 1)",
    ),
    "ruling_pending": ("裁决提案待批准", "Ruling proposal pending"),
    "subject_ref": ("事项", "Subject"),
    "sk_RESOURCE_VERSION": ("资源 #{id} 第 {n} 版", "resource #{id} v{n}"),
    "sk_GRANT": ("授权 #{id}", "grant #{id}"),
    "sk_USE": ("授权 #{id} 第 {n} 次使用", "grant #{id}, use {n}"),
}


def t(lang: str, key: str, **kw: Any) -> str:
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**kw) if kw else text


def normalise_lang(value: str | None) -> str:
    if value and value.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


# --------------------------------------------------------------------------- formatting
TIME_KEYS = frozenset(
    {
        "expiresAt",
        "approvalDeadline",
        "responseDeadline",
        "releasedAt",
        "revokedAt",
        "deadline",
        "validFrom",
        "validUntil",
        "stepDeadline",
    }
)
ADDRESS_KEYS = frozenset(
    {
        "account",
        "caller",
        "governor",
        "newOwner",
        "department",
        "target",
        "address",
    }
)
ENUMS = {
    "status": None,  # context dependent, formatted below
    "classification": tuple(m.name for m in Classification),
    "incidentType": tuple(m.name for m in IncidentType),
    "subjectKind": tuple(m.name for m in SubjectKind),
}
REQUEST_STATUS = tuple(m.solidity for m in RequestStatus)
INCIDENT_STATUS = tuple(m.solidity for m in IncidentStatus)


def fmt_time(ts: Any, lang: str = DEFAULT_LANG) -> str:
    try:
        n = int(ts)
    except (TypeError, ValueError):
        return str(ts)
    if n <= 0:
        return t(lang, "none")
    lt = time.localtime(n)
    if lang == "zh":
        return time.strftime("%Y年%m月%d日 %H:%M", lt)
    return time.strftime("%Y-%m-%d %H:%M", lt)


class _Args(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _format_args(lang: str, name: str, args: Mapping[str, Any], names: Callable[[str], str] | None) -> _Args:
    out = _Args()
    for k, v in (args or {}).items():
        if k in TIME_KEYS:
            out[k] = fmt_time(v, lang)
        elif k in ADDRESS_KEYS and isinstance(v, str) and v.startswith("0x") and len(v) == 42:
            out[k] = names(v) if names else v
        elif k == "status" and isinstance(v, int):
            table = INCIDENT_STATUS if "Incident" in name else REQUEST_STATUS
            label = table[v] if 0 <= v < len(table) else str(v)
            out[k] = t(lang, f"st_{label}") if f"st_{label}" in LABELS else label
        elif k in ENUMS and (labels := ENUMS[k]) and isinstance(v, int) and 0 <= v < len(labels):
            label = labels[v]
            out[k] = (
                t(lang, f"cls_{label}")
                if k == "classification"
                else t(lang, f"it_{label}")
                if k == "incidentType"
                else label
            )
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------- contract errors
# name -> (zh, en); placeholders are the error's ABI argument names.
ERRORS: dict[str, tuple[str, str]] = {
    # ConsortiumManaged (shared by every contract that answers to the consortium)
    "ConsortiumManagedZeroAddress": (
        "系统配置错误：联盟地址为空。",
        "System misconfiguration: the consortium address is zero.",
    ),
    "ConsortiumManagedNotCouncil": ("只有理事会可以执行此操作。", "Only the council may do this."),
    "ConsortiumManagedNotActiveDepartment": (
        "{account} 不是在册且有效的部门（可能已被暂停）。",
        "{account} is not an active member department (it may be suspended).",
    ),
    # UsageRights
    "UsageRightsZeroAddress": ("系统配置错误：地址为空。", "System misconfiguration: an address is zero."),
    "UsageRightsNotOwner": (
        "只有资源 #{resourceId} 的所有者才能执行此操作。",
        "Only the owner of resource #{resourceId} may do this.",
    ),
    "UsageRightsUnknownResource": ("资源 #{resourceId} 不存在。", "Resource #{resourceId} does not exist."),
    "UsageRightsOwnUse": (
        "资源 #{resourceId} 属于本部门，无需申请授权。",
        "Resource #{resourceId} is your own: no grant is needed.",
    ),
    "UsageRightsCouncilRequired": (
        "资源 #{resourceId} 密级为“{classification}”，必须经理事会批准。",
        "Resource #{resourceId} is {classification}: the council must approve.",
    ),
    "UsageRightsCouncilNotUnanimous": (
        "涉密数据须理事会全体一致同意（提案 #{proposalId}）。",
        "Secret data needs a unanimous council (proposal #{proposalId}).",
    ),
    "UsageRightsInvalidPurpose": ("请填写有效的用途代码（大于 0）。", "Enter a valid purpose code (greater than 0)."),
    "UsageRightsEmptyLegalBasis": ("请填写法律依据。", "Enter the legal basis."),
    "UsageRightsUnregisteredPurpose": (
        "用途代码 {purposeCode} 未经理事会登记或已停用。",
        "Purpose code {purposeCode} is not registered by the council, or is retired.",
    ),
    "UsageRightsUnregisteredLegalBasis": (
        "该法律依据（{legalBasisHash}）未经理事会登记或已停用。",
        "This legal basis ({legalBasisHash}) is not registered by the council, or is retired.",
    ),
    # Purposes
    "PurposesZeroCode": ("用途代码必须大于 0。", "The purpose code must be greater than 0."),
    "PurposesInvalidName": ("用途名称须为 1–256 字节。", "A purpose name must be 1-256 bytes."),
    "PurposesZeroTextHash": ("缺少法律依据文本的哈希。", "The hash of the legal basis text is missing."),
    "PurposesInvalidCitation": ("法律依据引注须为 1–256 字节。", "A citation must be 1-256 bytes."),
    "PurposesInvalidBatch": ("批量登记的各列长度不一致。", "The batch's lists have different lengths."),
    "PurposesPurposeExists": ("用途代码 {code} 已登记。", "Purpose code {code} is registered already."),
    "PurposesLegalBasisExists": (
        "该法律依据（{textHash}）已登记。",
        "This legal basis ({textHash}) is registered already.",
    ),
    "PurposesUnknownPurpose": ("没有用途代码 {code}。", "There is no purpose code {code}."),
    "PurposesUnknownLegalBasis": ("没有该法律依据（{textHash}）。", "There is no such legal basis ({textHash})."),
    "PurposesPurposeRetired": ("用途代码 {code} 已停用。", "Purpose code {code} is retired already."),
    "PurposesLegalBasisRetired": (
        "该法律依据（{textHash}）已停用。",
        "This legal basis ({textHash}) is retired already.",
    ),
    "UsageRightsEmptyFieldsHash": ("请填写所需字段。", "Enter the fields you need."),
    "UsageRightsEmptyReason": ("请填写理由。", "Enter a reason."),
    "UsageRightsEmptyOfficerHash": ("缺少经办人。", "The acting officer is missing."),
    "UsageRightsInvalidDuration": (
        "授权期限无效（{duration} 秒）：须大于 0 且不超过上限。",
        "Invalid duration ({duration} s): it must be positive and within the maximum.",
    ),
    "UsageRightsInvalidMaxUses": (
        "最多使用次数无效（{maxUses}）：须大于 0。",
        "Invalid maximum uses ({maxUses}): it must be at least 1.",
    ),
    "UsageRightsInvalidDeadline": (
        "审批截止时间无效（{approvalDeadline}）。",
        "Invalid approval deadline ({approvalDeadline}).",
    ),
    "UsageRightsUnknownRequest": ("申请 #{requestId} 不存在。", "Request #{requestId} does not exist."),
    "UsageRightsInvalidRequestStatus": (
        "申请 #{requestId} 当前状态为“{status}”，不能再执行此操作。",
        "Request #{requestId} is {status}: this action is no longer possible.",
    ),
    "UsageRightsDeadlineNotReached": (
        "申请 #{requestId} 的审批截止时间（{approvalDeadline}）未到，尚不能升级。",
        "Request #{requestId} can be escalated only after its deadline ({approvalDeadline}).",
    ),
    "UsageRightsUnknownGrant": ("授权 #{grantId} 不存在。", "Grant #{grantId} does not exist."),
    "UsageRightsGrantExpired": (
        "授权 #{grantId} 已于 {expiresAt} 过期，请重新申请。",
        "Grant #{grantId} expired on {expiresAt}; request it again.",
    ),
    "UsageRightsGrantRevoked": (
        "授权 #{grantId} 已被撤销，不能再使用。",
        "Grant #{grantId} was revoked and can no longer be used.",
    ),
    "UsageRightsGrantExhausted": (
        "授权 #{grantId} 的 {maxUses} 次使用已全部用完。",
        "Grant #{grantId} has used all of its {maxUses} uses.",
    ),
    "UsageRightsUnknownUse": (
        "授权 #{grantId} 没有第 {useIndex} 次使用记录。",
        "Grant #{grantId} has no recorded use number {useIndex}.",
    ),
    "UsageRightsUseAlreadyReleased": (
        "授权 #{grantId} 的第 {useIndex} 次使用已记录过交付。",
        "Use {useIndex} of grant #{grantId} was already recorded as released.",
    ),
    "UsageRightsEmptyContentHash": ("交付记录缺少内容哈希。", "A release needs a content hash."),
    # NodeDirectory
    "NodeDirectoryInvalidEndpoint": (
        "节点地址长度无效（{length} 字节，应为 1–256）。",
        "The node endpoint's length is invalid ({length} bytes; 1-256 allowed).",
    ),
    "NodeDirectoryZeroEncryptionKey": ("节点的加密公钥不能为空。", "The node's encryption key must not be zero."),
    "NodeDirectoryUnknownNode": ("{department} 尚未发布节点信息。", "{department} has published no node."),
    # AssistedSessions
    "AssistedSessionsZeroSubject": ("代办会话必须指明办事群众。", "An assisted session must name the citizen."),
    "AssistedSessionsZeroOfficer": ("代办会话必须指明经办人。", "An assisted session must name the officer."),
    "AssistedSessionsZeroReason": ("代办会话必须说明理由。", "An assisted session must state a reason."),
    "UsageRightsNotGrantee": ("授权 #{grantId} 不属于 {caller}。", "Grant #{grantId} was not issued to {caller}."),
    "UsageRightsInvalidBatch": (
        "批量记录的条数不一致（经办人 {officers}、主体 {subjects}、业务 {contexts}）。",
        "Batch lengths differ (officers {officers}, subjects {subjects}, contexts {contexts}).",
    ),
    # DataCatalog
    "DataCatalogNotOwner": (
        "资源 #{resourceId} 不属于 {account}，不能修改。",
        "Resource #{resourceId} does not belong to {account}.",
    ),
    "DataCatalogUnknownResource": ("资源 #{resourceId} 不存在。", "Resource #{resourceId} does not exist."),
    "DataCatalogUnknownVersion": (
        "资源 #{resourceId} 没有第 {version} 版。",
        "Resource #{resourceId} has no version {version}.",
    ),
    "DataCatalogUnknownAnchor": ("锚定记录 #{anchorId} 不存在。", "Anchor #{anchorId} does not exist."),
    "DataCatalogInvalidClassification": (
        "密级无效（{classification}）。",
        "Invalid classification ({classification}).",
    ),
    "DataCatalogEmptySchemaHash": ("请提供数据结构。", "Provide the schema."),
    "DataCatalogEmptyContentHash": ("内容为空。", "The content is empty."),
    "DataCatalogEmptyStewardHash": ("缺少数据管理责任人。", "The data steward is missing."),
    "DataCatalogEmptyOfficerHash": ("缺少经办人。", "The acting officer is missing."),
    "DataCatalogEmptyMerkleRoot": ("默克尔根为空。", "The Merkle root is empty."),
    "DataCatalogZeroRecordCount": ("记录数须大于 0。", "The record count must be at least 1."),
    "DataCatalogUnchangedContent": (
        "新版本内容与当前版本完全相同（资源 #{resourceId}），无需发布。",
        "The new version is identical to the current one (resource #{resourceId}).",
    ),
    "DataCatalogInvalidNewOwner": (
        "资源 #{resourceId} 不能移交给 {newOwner}。",
        "Resource #{resourceId} cannot be transferred to {newOwner}.",
    ),
    # Accountability
    "AccountabilityZeroAddress": ("系统配置错误：地址为空。", "System misconfiguration: an address is zero."),
    "AccountabilityNotResourceOwner": (
        "{account} 不是资源 #{resourceId} 的所有者。",
        "{account} does not own resource #{resourceId}.",
    ),
    "AccountabilityNotGrantee": (
        "{account} 不是授权 #{grantId} 的被授权方。",
        "{account} is not the grantee of grant #{grantId}.",
    ),
    "AccountabilityNotReporter": ("{account} 无权就此提交事件。", "{account} may not file this incident."),
    "AccountabilityNotPartyToGrant": (
        "{account} 既非审计方，也不是授权 #{grantId} 的数据所有方或被授权方，不能就此提交事件。",
        "{account} may not file about grant #{grantId}: only an auditor, the data's owner or the grantee may.",
    ),
    "AccountabilityNoStandingOnResource": (
        "{account} 无权就资源 #{resourceId} 第 {version} 版提交事件：请注明本部门在该资源上的授权。",
        "{account} may not file about version {version} of resource #{resourceId}: name your grant on it.",
    ),
    "AccountabilityInvalidReporterGrant": (
        "授权 #{viaGrant} 不是 {account} 在该资源上的授权。",
        "Grant #{viaGrant} is not a grant of {account} on this resource.",
    ),
    "AccountabilityEmptyOfficerCitation": (
        "请注明记录中的经办人（{subjectKind} #{subjectId}，第 {useIndex} 项）。",
        "Cite the officer named by the record ({subjectKind} #{subjectId}, {useIndex}).",
    ),
    "AccountabilityInvalidOfficerCitation": (
        "所注明的经办人与链上记录不符。",
        "The cited officer is not the one the chain records.",
    ),
    "AccountabilityNotResponsible": (
        "只有事件 #{incidentId} 的责任部门才能答复。",
        "Only the department responsible for incident #{incidentId} may answer it.",
    ),
    "AccountabilityEmptyOfficerHash": ("缺少经办人。", "The acting officer is missing."),
    "AccountabilityEmptyEvidence": ("请提供证据。", "Provide the evidence."),
    "AccountabilityEmptyResponse": ("请填写答复内容。", "Enter the response."),
    "AccountabilityEmptyRuling": ("请填写裁定内容。", "Enter the ruling."),
    "AccountabilityInvalidIncidentType": (
        "事件类型无效（{incidentType}）。",
        "Invalid incident type ({incidentType}).",
    ),
    "AccountabilityInvalidSubjectKind": (
        "事件对象类型无效（{subjectKind}）。",
        "Invalid incident subject kind ({subjectKind}).",
    ),
    "AccountabilityInvalidSubject": (
        "“{incidentType}”类事件不能针对“{subjectKind}”。",
        "A {incidentType} incident cannot concern a {subjectKind}.",
    ),
    "AccountabilityUnknownSubject": (
        "事件对象不存在（{subjectKind} #{subjectId}，第 {useIndex} 次使用）。",
        "The incident's subject does not exist ({subjectKind} #{subjectId}, use {useIndex}).",
    ),
    "AccountabilityUnknownResource": ("资源 #{resourceId} 不存在。", "Resource #{resourceId} does not exist."),
    "AccountabilityUnknownGrant": ("授权 #{grantId} 不存在。", "Grant #{grantId} does not exist."),
    "AccountabilityInvalidResponseWindow": (
        "答复期限无效（{responseWindow} 秒）。",
        "Invalid response window ({responseWindow} s).",
    ),
    "AccountabilityUnknownIncident": ("事件 #{incidentId} 不存在。", "Incident #{incidentId} does not exist."),
    "AccountabilityInvalidIncidentStatus": (
        "事件 #{incidentId} 当前状态为“{status}”，不能执行此操作。",
        "Incident #{incidentId} is {status}: this action is not possible.",
    ),
    "AccountabilityResponseWindowClosed": (
        "事件 #{incidentId} 的答复期限已于 {responseDeadline} 截止。",
        "The answer period of incident #{incidentId} closed on {responseDeadline}.",
    ),
    "AccountabilityResponseWindowOpen": (
        "事件 #{incidentId} 的答复期限（{responseDeadline}）未到，尚不能升级。",
        "Incident #{incidentId} can be escalated only after {responseDeadline}.",
    ),
    # Consortium
    "ConsortiumNotGovernor": ("{account} 不是理事会成员。", "{account} is not a council member."),
    "ConsortiumAlreadyGovernor": ("{account} 已是理事会成员。", "{account} is already a council member."),
    "ConsortiumTooManyGovernors": ("理事会成员已达上限（{count}/{max}）。", "The council is full ({count}/{max})."),
    "ConsortiumInvalidThreshold": (
        "门槛 {threshold} 无效（成员 {governorCount} 人）。",
        "Threshold {threshold} is invalid for {governorCount} members.",
    ),
    "ConsortiumZeroAddress": ("地址为空。", "The address is zero."),
    "ConsortiumEmptyCode": ("请填写部门代码。", "Enter the department code."),
    "ConsortiumEmptyRegionCode": ("请填写行政区划代码。", "Enter the region code."),
    "ConsortiumInvalidName": ("部门名称长度无效（{length}）。", "Invalid department name length ({length})."),
    "ConsortiumDepartmentExists": ("{account} 已是成员部门。", "{account} is already a member department."),
    "ConsortiumDepartmentCodeTaken": (
        "部门代码已被 {account} 使用。",
        "The department code is already used by {account}.",
    ),
    "ConsortiumUnknownDepartment": ("{account} 不是成员部门。", "{account} is not a member department."),
    "ConsortiumDepartmentNotActive": ("{account} 当前不是有效状态。", "{account} is not active."),
    "ConsortiumDepartmentNotSuspended": ("{account} 未被暂停。", "{account} is not suspended."),
    "ConsortiumAlreadyAuditor": ("{account} 已是审计员。", "{account} is already an auditor."),
    "ConsortiumAlreadyStandingListener": (
        "合约 {listener} 已登记为成员状态接收方。",
        "Contract {listener} is already registered to be told of members' standing.",
    ),
    "ConsortiumTooManyStandingListeners": (
        "成员状态接收方最多 {max} 个。",
        "At most {max} contracts can be told of members' standing.",
    ),
    "UsageRightsStandingMismatch": (
        "部门 {department} 的成员状态只随联盟合约的记录变化（准入、暂停、恢复）。",
        "Department {department}'s standing follows only the consortium's record (admission, suspension, reinstatement).",
    ),
    "UsageRightsNotConsortium": (
        "只有联盟合约可以通知部门的成员状态（调用方 {caller}）。",
        "Only the consortium contract tells a department's standing (caller {caller}).",
    ),
    "ConsortiumNotAuditor": ("{account} 不是审计员。", "{account} is not an auditor."),
    "ConsortiumUnknownProposal": ("提案 #{proposalId} 不存在。", "Proposal #{proposalId} does not exist."),
    "ConsortiumProposalExpired": (
        "提案 #{proposalId} 已于 {expiresAt} 过期。",
        "Proposal #{proposalId} expired on {expiresAt}.",
    ),
    "ConsortiumProposalAlreadyExecuted": (
        "提案 #{proposalId} 已执行。",
        "Proposal #{proposalId} has already been executed.",
    ),
    "ConsortiumAlreadyApproved": (
        "您已批准过提案 #{proposalId}。",
        "You have already approved proposal #{proposalId}.",
    ),
    "ConsortiumInsufficientApprovals": (
        "提案 #{proposalId} 仅获 {approvals} 票，需 {required} 票。",
        "Proposal #{proposalId} has {approvals} of the {required} approvals it needs.",
    ),
    "ConsortiumCouncilChangedSinceProposal": (
        "提案 #{proposalId} 须全体一致，但提出后理事会成员已变动，请向现任理事会重新提出。",
        "Proposal #{proposalId} needs unanimity, and the council has changed since it was made: "
        "propose it again to the current council.",
    ),
    "ConsortiumGovernorJoinedAfterProposal": (
        "{governor} 在提案 #{proposalId} 提出后才加入理事会，不能批准该提案。",
        "{governor} joined the council after proposal #{proposalId} was made and cannot approve it.",
    ),
    "ConsortiumInvalidLifetime": ("提案有效期无效（{lifetime} 秒）。", "Invalid proposal lifetime ({lifetime} s)."),
    "ConsortiumInvalidTarget": ("提案目标合约无效（{target}）。", "Invalid proposal target ({target})."),
    "ConsortiumInvalidProposalData": ("提案内容无效。", "The proposal's data is invalid."),
    "ConsortiumEmptyDescription": ("请填写提案说明。", "Enter the proposal's description."),
    "ConsortiumCallFailed": (
        "提案 #{proposalId} 执行失败：目标合约拒绝了调用。",
        "Proposal #{proposalId} failed: the target contract refused the call.",
    ),
    # Certificates
    "CertificatesZeroAddress": ("地址为空。", "The address is zero."),
    "CertificatesEmptyTypeCode": ("请填写证照类型。", "Enter the certificate type."),
    "CertificatesZeroValidity": ("有效期须大于 0。", "The validity must be positive."),
    "CertificatesTypeExists": ("该证照类型已登记。", "This certificate type is already registered."),
    "CertificatesUnknownType": ("该证照类型未登记。", "This certificate type is not registered."),
    "CertificatesNotTypeIssuer": (
        "{account} 不是该类证照的签发部门。",
        "{account} does not issue this certificate type.",
    ),
    "CertificatesEmptyDocumentHash": ("缺少证照文档。", "The certificate document is missing."),
    "CertificatesEmptyHolderHash": ("缺少持证人。", "The holder is missing."),
    "CertificatesEmptyCaseRef": ("缺少办件编号。", "The case reference is missing."),
    "CertificatesEmptyReasonHash": ("请填写理由。", "Enter a reason."),
    "CertificatesInvalidValidity": (
        "有效期无效（{validFrom} 至 {validUntil}）。",
        "Invalid validity ({validFrom} to {validUntil}).",
    ),
    "CertificatesDocumentExists": (
        "该文档已作为证照 #{certId} 签发过。",
        "This document was already issued as certificate #{certId}.",
    ),
    "CertificatesUnknownCertificate": ("证照 #{certId} 不存在。", "Certificate #{certId} does not exist."),
    "CertificatesNotIssuer": (
        "只有证照 #{certId} 的签发部门才能执行此操作。",
        "Only the issuer of certificate #{certId} may do this.",
    ),
    "CertificatesInvalidRevocationReason": (
        "理事会撤销证照须说明原因（签发部门被攻破、被暂停、错误签发、欺诈或法院裁定）。",
        "The council must give a reason to revoke a certificate (issuer compromised or suspended, issued in "
        "error, fraud, or a court order).",
    ),
    "CertificatesAlreadyRevoked": (
        "证照 #{certId} 已于 {revokedAt} 撤销。",
        "Certificate #{certId} was revoked on {revokedAt}.",
    ),
    # OneStopServices
    "OneStopServicesZeroAddress": ("地址为空。", "The address is zero."),
    "OneStopServicesNotServiceLead": (
        "只有事项 #{serviceId} 的牵头部门才能执行此操作。",
        "Only the lead department of service #{serviceId} may do this.",
    ),
    "OneStopServicesEmptyNameHash": ("请填写事项名称。", "Enter the service name."),
    "OneStopServicesEmptyReason": ("请填写理由。", "Enter a reason."),
    "OneStopServicesEmptyApplicantHash": ("缺少申请人。", "The applicant is missing."),
    "OneStopServicesEmptyFormHash": ("缺少申请表。", "The application form is missing."),
    "OneStopServicesInvalidDocumentCount": (
        "提交材料数无效（{submittedDocuments}）。",
        "Invalid number of submitted documents ({submittedDocuments}).",
    ),
    "OneStopServicesInvalidStepDeadline": (
        "环节时限无效（{stepDeadline}）。",
        "Invalid step deadline ({stepDeadline}).",
    ),
    "OneStopServicesInvalidRequirementCount": (
        "材料要求数无效（{count}，上限 {max}）。",
        "Invalid number of evidence requirements ({count}, max {max}).",
    ),
    "OneStopServicesInvalidStepCount": (
        "审批环节数无效（{count}，上限 {max}）。",
        "Invalid number of steps ({count}, max {max}).",
    ),
    "OneStopServicesUnknownResource": (
        "第 {requirementIndex} 项材料对应的资源 #{resourceId} 不存在。",
        "Requirement {requirementIndex}: resource #{resourceId} does not exist.",
    ),
    "OneStopServicesOwnResource": (
        "第 {requirementIndex} 项材料是本部门自己的资源 #{resourceId}。",
        "Requirement {requirementIndex}: resource #{resourceId} is your own.",
    ),
    "OneStopServicesInvalidPurpose": (
        "第 {requirementIndex} 项材料的用途无效。",
        "Requirement {requirementIndex}: invalid purpose.",
    ),
    "OneStopServicesEmptyLegalBasis": (
        "第 {requirementIndex} 项材料缺少法律依据。",
        "Requirement {requirementIndex}: the legal basis is missing.",
    ),
    "OneStopServicesInvalidStepDepartment": (
        "第 {stepIndex} 个环节的部门 {department} 无效。",
        "Step {stepIndex}: department {department} is not valid.",
    ),
    "OneStopServicesInvalidStage": (
        "第 {stepIndex} 个环节的阶段 {stage} 无效。",
        "Step {stepIndex}: invalid stage {stage}.",
    ),
    "OneStopServicesDuplicateStep": (
        "部门 {department} 在第 {stepIndex} 个环节重复出现。",
        "Department {department} appears twice (step {stepIndex}).",
    ),
    "OneStopServicesUnknownService": ("事项 #{serviceId} 不存在。", "Service #{serviceId} does not exist."),
    "OneStopServicesInvalidServiceStatus": (
        "事项 #{serviceId} 当前状态不允许此操作。",
        "Service #{serviceId} is not in a state that allows this.",
    ),
    "OneStopServicesServiceNotActive": ("事项 #{serviceId} 尚未启用或已停用。", "Service #{serviceId} is not active."),
    "OneStopServicesUnknownCase": ("办件 #{caseId} 不存在。", "Case #{caseId} does not exist."),
    "OneStopServicesCaseNotOpen": ("办件 #{caseId} 已办结，不能再修改。", "Case #{caseId} is closed."),
    "OneStopServicesUnknownRequirement": (
        "办件 #{caseId} 没有第 {requirementIndex} 项材料要求。",
        "Case #{caseId} has no requirement {requirementIndex}.",
    ),
    "OneStopServicesEvidenceAlreadyAttached": (
        "办件 #{caseId} 的第 {requirementIndex} 项材料已归集。",
        "Requirement {requirementIndex} of case #{caseId} already has its evidence.",
    ),
    "OneStopServicesUnknownGrant": ("授权 #{grantId} 不存在。", "Grant #{grantId} does not exist."),
    "OneStopServicesNotGrantee": (
        "授权 #{grantId} 不属于 {account}。",
        "Grant #{grantId} was not issued to {account}.",
    ),
    "OneStopServicesWrongResource": (
        "授权 #{grantId} 针对资源 #{actualResourceId}，而此项材料需要资源 #{requiredResourceId}。",
        "Grant #{grantId} covers resource #{actualResourceId}; this evidence needs resource #{requiredResourceId}.",
    ),
    "OneStopServicesWrongPurpose": (
        "授权 #{grantId} 的用途（{actualPurpose}）与事项要求（{requiredPurpose}）不符。",
        "Grant #{grantId} has purpose {actualPurpose}; this service requires {requiredPurpose}.",
    ),
    "OneStopServicesUnknownUse": (
        "授权 #{grantId} 没有第 {useIndex} 次使用（共 {usedCount} 次）。",
        "Grant #{grantId} has no use {useIndex} ({usedCount} recorded).",
    ),
    "OneStopServicesUseAlreadyAttached": (
        "授权 #{grantId} 的第 {useIndex} 次使用已归入办件 #{caseId}。",
        "Use {useIndex} of grant #{grantId} is already attached to case #{caseId}.",
    ),
    "OneStopServicesUnknownStep": (
        "办件 #{caseId} 没有第 {stepIndex} 个环节。",
        "Case #{caseId} has no step {stepIndex}.",
    ),
    "OneStopServicesWrongDepartment": (
        "办件 #{caseId} 的第 {stepIndex} 个环节不由 {caller} 办理。",
        "Step {stepIndex} of case #{caseId} is not {caller}'s.",
    ),
    "OneStopServicesStageNotCurrent": (
        "办件 #{caseId} 尚未进行到第 {stepIndex} 个环节。",
        "Case #{caseId} has not reached step {stepIndex} yet.",
    ),
    "OneStopServicesStepAlreadyDecided": (
        "办件 #{caseId} 的第 {stepIndex} 个环节已办理。",
        "Step {stepIndex} of case #{caseId} is already decided.",
    ),
    "OneStopServicesStepAlreadyEscalated": (
        "办件 #{caseId} 的第 {stepIndex} 个环节已升级。",
        "Step {stepIndex} of case #{caseId} is already escalated.",
    ),
    "OneStopServicesEvidenceMissing": (
        "办件 #{caseId} 的材料未齐（{attached}/{required}）。",
        "Case #{caseId} lacks evidence ({attached} of {required}).",
    ),
    "OneStopServicesDeadlineNotReached": (
        "办件 #{caseId} 第 {stepIndex} 个环节的时限（{deadline}）未到。",
        "Step {stepIndex} of case #{caseId} is not past its deadline ({deadline}).",
    ),
    # PropertyRegistry
    "PropertyRegistryZeroAddress": ("地址为空。", "The address is zero."),
    "PropertyRegistryMissingRole": (
        "{account} 没有办理此项不动产业务的职能。",
        "{account} does not hold the role for this registry action.",
    ),
    "PropertyRegistryRoleUnchanged": ("该部门职能未变化。", "The department's role is unchanged."),
    "PropertyRegistryEmptyParcelCode": ("请填写宗地代码。", "Enter the parcel code."),
    "PropertyRegistryInvalidUse": ("用途代码无效（{use}）。", "Invalid use code ({use})."),
    "PropertyRegistryZeroArea": ("面积须大于 0。", "The area must be positive."),
    "PropertyRegistryUnitExists": ("不动产单元 #{unitId} 已登记。", "Property unit #{unitId} is already registered."),
    "PropertyRegistryUnknownUnit": ("不动产单元 #{unitId} 不存在。", "Property unit #{unitId} does not exist."),
    "PropertyRegistryUnknownTitleEntry": ("登记记录 #{entryId} 不存在。", "Title entry #{entryId} does not exist."),
    "PropertyRegistryEmptyOwnerHash": ("缺少权利人。", "The owner is missing."),
    "PropertyRegistryEmptyEvidenceHash": ("缺少登记依据材料。", "The evidence is missing."),
    "PropertyRegistryEmptyCertificateHash": ("缺少不动产权证书。", "The title certificate is missing."),
    "PropertyRegistryEmptyCaseRef": ("缺少办件编号。", "The case reference is missing."),
    "PropertyRegistryAlreadyOwned": (
        "不动产单元 #{unitId} 已有首次登记（记录 #{entryId}）。",
        "Unit #{unitId} already has a first registration (entry #{entryId}).",
    ),
    "PropertyRegistryUnitNotOwned": (
        "不动产单元 #{unitId} 尚未首次登记。",
        "Unit #{unitId} has no registered owner yet.",
    ),
    "PropertyRegistryEmptyConsent": ("缺少出卖人的同意记录。", "The seller's consent is missing."),
    "PropertyRegistryUnknownAssistedSession": (
        "协助会话 #{sessionId} 不存在。",
        "Assisted session #{sessionId} does not exist.",
    ),
    "PropertyRegistryConsentNotBySeller": (
        "协助会话 #{sessionId} 不是为单元 #{unitId} 的现权利人开启的：出卖人未同意。",
        "Assisted session #{sessionId} was not opened for the current owner of unit #{unitId}: no seller consent.",
    ),
    "PropertyRegistryConsentSessionRequired": (
        "单元 #{unitId} 的转移须附出卖人在其他部门窗口的协助会话。",
        "A transfer of unit #{unitId} needs the seller's assisted session at another department's desk.",
    ),
    "PropertyRegistryConsentAtRegistrarDesk": (
        "协助会话 #{sessionId} 由登记机构本身（{desk}）开启：登记机构不能替出卖人同意。",
        "Assisted session #{sessionId} was opened by the registrar itself ({desk}): it cannot consent for the seller.",
    ),
    "PropertyRegistryConsentSessionUsed": (
        "协助会话 #{sessionId} 的同意已用于登记记录 #{entryId}，不能再次使用。",
        "The consent of assisted session #{sessionId} already carried title entry #{entryId}; it is used once.",
    ),
    "PropertyRegistryCertificatesNotLinked": (
        "证书合约 {certificates} 的产权登记合约是 {titleRegistry}，不是本合约。",
        "Certificates {certificates} names {titleRegistry} as its title registry, not this registry.",
    ),
    "PropertyRegistryNoCurrentCertificate": (
        "单元 #{unitId} 的现登记记录 #{entryId} 尚未绑定不动产权证书。",
        "The current title entry #{entryId} of unit #{unitId} has no certificate bound yet.",
    ),
    "PropertyRegistryNotCurrentCertificate": (
        "所附证书（#{presentedCertId}）不是单元 #{unitId} 现权利人的现行证书（#{currentCertId}）。",
        "The certificate presented (#{presentedCertId}) is not the current certificate (#{currentCertId}) of "
        "unit #{unitId}.",
    ),
    "PropertyRegistryCertificateNotValid": (
        "证照 #{certId} 不是有效状态（{status}）。",
        "Certificate #{certId} is not valid (status {status}).",
    ),
    "PropertyRegistryCertificateAlreadyBound": (
        "单元 #{unitId} 的现登记记录 #{entryId} 已绑定有效证书 #{certId}。",
        "The current title entry #{entryId} of unit #{unitId} already has the valid certificate #{certId}.",
    ),
    "PropertyRegistryCertificateBoundElsewhere": (
        "证照 #{certId} 已绑定登记记录 #{entryId}。",
        "Certificate #{certId} is already bound to title entry #{entryId}.",
    ),
    "PropertyRegistryNotCertificateIssuer": (
        "证照 #{certId} 由 {issuer} 签发，不是本登记机构。",
        "Certificate #{certId} was issued by {issuer}, not by this registrar.",
    ),
    "PropertyRegistryCertificateHolderMismatch": (
        "证照 #{certId} 的持证人不是单元 #{unitId} 的现权利人。",
        "Certificate #{certId} is not held by the current owner of unit #{unitId}.",
    ),
    "CertificatesNotTitleRegistry": (
        "只有不动产登记簿合约能在转移登记时取代证书。",
        "Only the property registry contract supersedes certificates (at a transfer).",
    ),
    "PropertyRegistrySameOwner": (
        "不动产单元 #{unitId} 的受让人与现权利人相同。",
        "The transferee of unit #{unitId} is already its owner.",
    ),
    "PropertyRegistryUnitSeized": (
        "该不动产单元已被查封（查封 #{seizureId}），不能办理转移登记（单元 #{unitId}）。",
        "Unit #{unitId} is seized (seizure #{seizureId}): it cannot be transferred.",
    ),
    "PropertyRegistryMortgageOutstanding": (
        "不动产单元 #{unitId} 有未注销的抵押（#{mortgageId}），且抵押权人未同意。",
        "Unit #{unitId} has an unreleased mortgage (#{mortgageId}) without the mortgagee's consent.",
    ),
    "PropertyRegistryTooManyMortgages": (
        "不动产单元 #{unitId} 的抵押已达上限（{max}）。",
        "Unit #{unitId} has the maximum of {max} mortgages.",
    ),
    "PropertyRegistryTooManySeizures": (
        "不动产单元 #{unitId} 的查封已达上限（{max}）。",
        "Unit #{unitId} has the maximum of {max} seizures.",
    ),
    "PropertyRegistryEmptyCreditorRef": ("缺少抵押权人。", "The creditor is missing."),
    "PropertyRegistryEmptyTermsHash": ("缺少抵押合同。", "The mortgage terms are missing."),
    "PropertyRegistryUnknownMortgage": ("抵押 #{mortgageId} 不存在。", "Mortgage #{mortgageId} does not exist."),
    "PropertyRegistryNotMortgagee": (
        "{account} 不是抵押 #{mortgageId} 的抵押权人。",
        "{account} is not the mortgagee of mortgage #{mortgageId}.",
    ),
    "PropertyRegistryMortgageReleased": (
        "抵押 #{mortgageId} 已于 {releasedAt} 注销。",
        "Mortgage #{mortgageId} was released on {releasedAt}.",
    ),
    "PropertyRegistryMortgageAlreadyConsented": (
        "抵押 #{mortgageId} 已同意转移（记录 #{entryId}）。",
        "Mortgage #{mortgageId} already consented (entry #{entryId}).",
    ),
    "PropertyRegistryEmptyOrderHash": ("缺少法院裁定文书。", "The court order is missing."),
    "PropertyRegistryUnknownSeizure": ("查封 #{seizureId} 不存在。", "Seizure #{seizureId} does not exist."),
    "PropertyRegistryNotSeizingCourt": (
        "只有作出查封 #{seizureId} 的法院才能解封。",
        "Only the court that made seizure #{seizureId} may release it.",
    ),
    "PropertyRegistrySeizureReleased": (
        "查封 #{seizureId} 已于 {releasedAt} 解除。",
        "Seizure #{seizureId} was released on {releasedAt}.",
    ),
    "PropertyRegistryEmptyInspectionHash": ("缺少核查报告。", "The inspection report is missing."),
    # generic reverts
    "Reverted": ("链上合约拒绝了该操作。", "The contract refused this action."),
    "Error": ("链上合约拒绝了该操作：{reason}", "The contract refused this action: {reason}"),
    "Panic": ("链上合约内部错误（代码 {code}）。", "Internal contract error (code {code})."),
    "UnrecognizedRevert": (
        "链上合约拒绝了该操作（无法识别的错误）。",
        "The contract refused this action (unrecognised error).",
    ),
    # backend / service errors
    "Unauthorized": ("请重新登录：令牌无效或已过期。", "Please sign in again: the token is invalid or expired."),
    "Forbidden": ("无权执行此操作：{reason}", "Not allowed: {reason}"),
    "NotFound": ("未找到：{reason}", "Not found: {reason}"),
    "Conflict": ("当前状态不允许此操作：{reason}", "Not possible in the current state: {reason}"),
    "InvalidInput": ("填写有误：{reason}", "Please correct the form: {reason}"),
    "IdempotencyKeyReused": (
        "该表单已提交过不同内容，请刷新页面后重试。",
        "This form was already submitted with different content; reload and retry.",
    ),
    "TooManyRequests": (
        "请求过于频繁，请 {retry_after_s} 秒后重试。",
        "Too many requests; try again in {retry_after_s} s.",
    ),
    "SignerUnavailable": (
        "系统暂时无法代表本部门签名，请联系运维人员。",
        "The system cannot sign for your department right now; contact the operators.",
    ),
    "ChainUnavailable": (
        "区块链节点暂时无法连接，请稍后重试。未做任何更改。",
        "The chain node cannot be reached; try again later. Nothing was changed.",
    ),
    "ChainMisconfigured": (
        "区块链节点配置错误，请联系运维人员。",
        "The chain node is misconfigured; contact the operators.",
    ),
    "TxRejected": ("节点拒绝了交易：{reason}", "The node refused the transaction: {reason}"),
    "AccessDenied": ("本部门没有该数据的解密密钥。", "Your department holds no key for this data."),
    "TamperDetected": (
        "数据与链上哈希不一致，疑似被篡改！已自动登记篡改事件。",
        "The data does not match its on-chain hash: possible tampering. A TAMPER incident was filed.",
    ),
    "DocumentMissing": ("存储中找不到该数据，已自动登记事件。", "The stored data is missing; an incident was filed."),
    "ContractNotDeployed": (
        "本部署尚未启用该业务（{contract} 合约未部署）。",
        "This deployment does not offer this service ({contract} is not deployed).",
    ),
    "ValidationError": ("填写有误，请检查表单。", "Please check the form."),
    "MethodNotAllowed": ("不支持该操作方式。", "This action is not supported here."),
    "BadRequest": ("请求有误。", "Bad request."),
    "InternalError": (
        "系统内部错误，已记录，请联系运维人员。",
        "An internal error occurred and was logged; contact the operators.",
    ),
}

GENERIC = ("操作未成功（{name}）。", "The action did not succeed ({name}).")


def error_message(
    lang: str, name: str, args: Mapping[str, Any] | None = None, names: Callable[[str], str] | None = None
) -> str:
    """A clerk-readable sentence for error ``name`` with decoded ``args``."""
    pair = ERRORS.get(name)
    fields = _format_args(lang, name, args or {}, names)
    if pair is None:
        fields["name"] = name
        pair = GENERIC
    text = pair[0] if lang == "zh" else pair[1]
    try:
        return string.Formatter().vformat(text, (), fields)
    except (ValueError, IndexError):  # a malformed template must never break a page
        return text
