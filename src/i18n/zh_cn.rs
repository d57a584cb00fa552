//! 简体中文 (the default language).

use super::Key;

pub(super) fn text(key: Key) -> Option<&'static str> {
    use Key::*;
    Some(match key {
        AppName => "回访",
        AppTagline => "4S店客户关怀与销售跟进",
        SignInTitle => "登录",
        Username => "用户名",
        Password => "密码",
        SignIn => "登录",
        SigningIn => "正在登录…",
        SignOut => "退出登录",
        SignOutConfirmOffline => "当前离线：退出后需联网才能重新登录。仍要退出吗？",
        ErrUsernameRequired => "请输入用户名",
        ErrPasswordRequired => "请输入密码",
        ErrInvalidCredentials => "用户名或密码不正确",
        ErrUnauthenticated => "登录已失效，请重新登录",
        ErrForbidden => "您的角色无权执行此操作",
        ErrNotFound => "未找到请求的内容",
        ErrBadRequest => "提交的内容有误，请检查后重试",
        ErrPayloadTooLarge => "提交的内容过大",
        ErrUpdateRequired => "应用版本过旧，请更新后再试",
        ErrUnavailable => "服务器暂时不可用，请稍后再试",
        ErrInternal => "服务器出错，请稍后再试；您已保存的内容不会丢失",
        ErrOffline => "无法连接服务器，请检查网络",
        ErrUnexpected => "服务器返回了无法识别的应答",
        ErrSignInNeedsNetwork => "首次在本设备登录需要联网",
        Online => "在线",
        Offline => "离线",
        SyncNotYet => "尚未同步",
        SyncLabel => "同步",
        SignedInAs => "当前用户",
        StoreLabel => "门店",
        Language => "语言",
        NavToday => "今日回访",
        NavCustomers => "客户档案",
        NavComplaints => "投诉",
        NavLeads => "潜在客户",
        NavTestDrives => "试驾",
        NavImport => "导入",
        NavAssignments => "分配",
        NavScripts => "话术",
        NavReports => "报表",
        NavTeam => "团队",
        NavSettings => "设置",
        MainNavigation => "主导航",
        PlannedHeading => "即将上线",
        PlannedToday => {
            "今日回访清单：逾期优先、按截止时间排序，显示三天倒计时，免打扰时段提醒，一键拨号并记录每次通话。"
        }
        PlannedCustomers => {
            "客户档案：车辆、维修保养记录、会员与保险到期、联系偏好与全部回访历史，可离线查询。"
        }
        PlannedComplaints => {
            "投诉闭环：登记、判断、调查、方案、审批、实施与客户签字确认、跟踪回访、分类统计。"
        }
        PlannedLeads => "潜在客户：20秒内录入、按意向级别（H/A/B/C）自动安排跟进、重复线索提醒。",
        PlannedTestDrives => "试驾预约：试驾车时段预约、驾照核验、完成或爽约登记。",
        PlannedImport => "导入DMS导出的客户数据（CSV/GBK/XLSX），预览、清洗、去重并生成错误报告。",
        PlannedAssignments => "按能力权重把回访任务平均分配给客服专员，并可一键重新平衡。",
        PlannedScripts => "回访话术：编写、预览、发布带分支的话术版本。",
        PlannedReports => "报表与KPI：回访完成率、三日达成率、会员覆盖率、满意度、投诉统计等。",
        PlannedTeam => "团队视图：每位顾问和专员的跟进情况与逾期任务。",
        RoleCareAgent => "客服专员",
        RoleCareSupervisor => "客服主管",
        RoleSalesAdvisor => "销售顾问",
        RoleSalesManager => "销售经理",
        RoleStoreManager => "总经理",
        RoleGroupManager => "集团管理",
        UpdateAvailable => "新版本已就绪",
        UpdateNow => "立即更新",
        UpdateBlockedUnsaved => "有未保存的内容，保存后即可更新",
        UpdateLater => "稍后",
        UpdateApplying => "正在更新…",
        NotFoundTitle => "页面不存在",
        NotFoundBody => "您要找的页面不存在。",
        NoAccessTitle => "无权访问",
        NoAccessBody => "您的角色无法使用此页面。",
        BackHome => "返回首页",
        SettingsTitle => "设置",
        SettingsLanguageHint => "界面语言保存在本设备上。",
        SettingsVersion => "应用版本",
        SettingsVersionUnknown => "未知（离线缓存尚未就绪）",
        SettingsAccount => "账户",
        SessionExpired => "登录已过期，请重新登录。本设备上未同步的内容会保留。",
    })
}
