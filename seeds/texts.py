"""What people write in the demo history: reasons, requests, questions, answers and comments, in Vietnamese as
the staff and applicants of the province would write them."""

REFUSALS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại UBND cấp xã nơi cư trú.",
    "Người nộp không phải là người có yêu cầu và không có văn bản ủy quyền hợp lệ.",
    "Giấy tờ xuất trình là bản chụp, không có bản chính để đối chiếu.",
]
MISSING = [
    "Bổ sung bản sao có chứng thực Giấy chứng nhận quyền sử dụng đất.",
    "Bổ sung tờ khai có đầy đủ chữ ký của người yêu cầu.",
    "Bổ sung văn bản ủy quyền có chứng thực.",
    "Bổ sung giấy xác nhận nơi cư trú của người yêu cầu.",
    "Bổ sung bản vẽ mặt bằng công trình có chữ ký của đơn vị thiết kế.",
    "Bổ sung trích lục bản đồ địa chính thửa đất.",
]
SEND_BACKS = [
    "Thẩm định lại diện tích thửa đất theo bản đồ địa chính mới.",
    "Dự thảo kết quả còn sai thông tin người sử dụng đất, đề nghị kiểm tra lại.",
]
REFUSED_RESULTS = [
    "Thửa đất đang có tranh chấp, chưa đủ điều kiện giải quyết theo quy định.",
    "Người yêu cầu không đủ điều kiện theo quy định của pháp luật hiện hành.",
]
APOLOGIES = [
    "Hồ sơ phải xác minh thêm với cơ quan liên quan nên chưa trả kết quả đúng hẹn. Cơ quan thành thật xin lỗi.",
    "Do khối lượng hồ sơ tăng đột biến, cơ quan chưa giải quyết kịp thời hạn. Thành thật xin lỗi ông/bà.",
]
WITHDRAWALS = [
    "Tôi không còn nhu cầu giải quyết thủ tục này.",
    "Tôi đã nộp nhầm thủ tục, xin rút để nộp lại hồ sơ khác.",
    "Gia đình thay đổi kế hoạch, xin rút hồ sơ.",
]
PAPERS_HANDED_IN = "Người nộp đã nộp bổ sung bản giấy tại bộ phận một cửa."
DECLINED_WITHDRAWALS = ["Hồ sơ đã được thẩm định xong và trình ký, đề nghị ông/bà nhận kết quả."]
OBLIGATIONS = [
    "Nộp tiền sử dụng đất theo thông báo của cơ quan thuế.",
    "Nộp lệ phí trước bạ nhà, đất theo thông báo của cơ quan thuế.",
]
LEVY_AMOUNTS = [1_250_000, 3_400_000, 8_750_000, 15_600_000, 42_000_000]
QUESTIONS = ["Đề nghị cho ý kiến về nghĩa vụ tài chính và hiện trạng sử dụng đất của thửa đất nêu trên."]
ANSWERS = ["Thống nhất với nội dung đề xuất; không có ý kiến khác."]
COMMENTS = {
    5: ["Cán bộ hướng dẫn tận tình, trả kết quả sớm.", "Rất hài lòng.", ""],
    4: ["Thủ tục nhanh gọn.", ""],
    3: ["Phải đi lại nhiều lần.", ""],
    2: ["Trả kết quả chậm so với giấy hẹn.", ""],
    1: ["Trễ hẹn mà không được báo trước.", ""],
}
# What applicants write about their dossiers, and what the agencies answer.
FEEDBACK = {
    "feedback": [
        "Tôi nộp hồ sơ trực tuyến nhưng chưa thấy cập nhật trạng thái sau hai ngày, đề nghị kiểm tra giúp.",
        "Cán bộ yêu cầu bổ sung giấy tờ mà cơ quan nhà nước đã có, đề nghị không yêu cầu lại.",
        "Thời gian chờ tại quầy quá lâu, đề nghị bố trí thêm cán bộ tiếp nhận vào buổi sáng.",
        "Tin nhắn thông báo kết quả đến muộn so với thời điểm kết quả được ký.",
    ],
    "recommendation": [
        "Đề nghị cho phép thanh toán phí, lệ phí qua ví điện tử khi nộp hồ sơ trực tuyến.",
        "Đề nghị đăng tải mẫu tờ khai đã điền sẵn để người dân tham khảo.",
        "Đề nghị gửi kết quả điện tử vào kho dữ liệu cá nhân để không phải đến nhận bản giấy.",
    ],
}
FEEDBACK_ANSWERS = {
    "feedback": [
        "Bộ phận một cửa đã kiểm tra và cập nhật trạng thái hồ sơ; xin lỗi ông/bà vì sự chậm trễ.",
        "Cơ quan đã chấn chỉnh cán bộ tiếp nhận; giấy tờ đã có trong cơ sở dữ liệu sẽ không yêu cầu nộp lại.",
        "Trung tâm đã bố trí thêm quầy tiếp nhận vào buổi sáng từ tuần tới.",
    ],
    "recommendation": [
        "Cảm ơn ông/bà đã góp ý; kiến nghị đã được chuyển đến bộ phận phụ trách để nghiên cứu, triển khai.",
        "Kiến nghị được tiếp thu; cơ quan sẽ cập nhật trên Cổng dịch vụ công của tỉnh.",
    ],
}
